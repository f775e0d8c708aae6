//! A plain text table for lists: a header row and left-aligned columns separated by two
//! spaces, sized to their widest cell as a terminal shows it (an emoji or a CJK character
//! takes two columns, a combining accent none).

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

/// Writes `rows` under `headers`; a table with no rows prints `empty` instead.
pub(crate) fn write_table(out: &mut impl Write, headers: &[&str], rows: &[Vec<String>], empty: &str) -> io::Result<()> {
    if rows.is_empty() {
        return writeln!(out, "{empty}");
    }
    let mut widths: Vec<usize> = headers.iter().map(|header| header.width()).collect();
    for row in rows {
        for (column, cell) in row.iter().enumerate() {
            widths[column] = widths[column].max(cell.width());
        }
    }
    let header_cells: Vec<String> = headers.iter().map(|header| (*header).to_owned()).collect();
    write_row(out, &header_cells, &widths)?;
    for row in rows {
        write_row(out, row, &widths)?;
    }
    Ok(())
}

fn write_row(out: &mut impl Write, cells: &[String], widths: &[usize]) -> io::Result<()> {
    let mut line = String::new();
    for (column, cell) in cells.iter().enumerate() {
        line.push_str(cell);
        if column + 1 < cells.len() {
            let padding = widths[column] - cell.width() + 2;
            line.extend(std::iter::repeat_n(' ', padding));
        }
    }
    writeln!(out, "{line}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_as_wide_as_their_widest_cell() {
        let mut out = Vec::new();
        let rows = vec![vec!["hello_world".into(), "APPROVED".into()], vec!["é".into(), "PENDING".into()]];
        write_table(&mut out, &["NAME", "STATUS"], &rows, "none").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "NAME         STATUS\nhello_world  APPROVED\né            PENDING\n"
        );
    }

    #[test]
    fn wide_characters_count_as_two_columns() {
        let mut out = Vec::new();
        let rows = vec![vec!["促销".into(), "APPROVED".into()], vec!["🎉 sale".into(), "PENDING".into()]];
        write_table(&mut out, &["NAME", "STATUS"], &rows, "none").unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "NAME     STATUS\n促销     APPROVED\n🎉 sale  PENDING\n");
    }

    #[test]
    fn an_empty_table_says_so() {
        let mut out = Vec::new();
        write_table(&mut out, &["NAME"], &[], "No templates.").unwrap();
        assert_eq!(out, b"No templates.\n");
    }
}
