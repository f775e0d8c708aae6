//! The SSRF guard of outbound webhooks: which URLs and addresses a delivery may reach.
//!
//! A subscription's URL is checked when it is saved (scheme, a literal address) and again at
//! every attempt, when its host is resolved once: the addresses the resolver answers are
//! classified here, and the connection is made to those very addresses (the delivery
//! client's resolver is [`GuardedResolver`], its pool keeps nothing, redirects are not
//! followed), so a DNS answer that changes between the check and the connect cannot
//! point a delivery inside the network.
//!
//! Addresses that embed an IPv4 address (v4-mapped, v4-compatible, NAT64, 6to4, Teredo) are
//! judged by the address they embed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use url::Url;

/// What a deployment allows beyond public https endpoints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DestinationPolicy {
    /// `http://` URLs too (`--webhook-allow-http`).
    pub allow_http: bool,
    /// Loopback, private, link-local, CGNAT, unique-local and metadata addresses too
    /// (`--webhook-allow-private`).
    pub allow_private: bool,
}

/// Why an address is not public.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AddressClass {
    Public,
    /// Loopback, private, link-local (cloud metadata lives there), CGNAT, unique-local:
    /// allowed with `allow_private`.
    Internal,
    /// Unspecified, multicast, broadcast, documentation and reserved ranges: never reachable
    /// as an endpoint.
    Unusable,
}

/// Why a URL or address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refusal {
    #[error("the URL is not valid")]
    Unparsable,
    #[error("only https:// URLs are allowed (http:// needs --webhook-allow-http)")]
    Scheme,
    #[error("the URL has no host")]
    NoHost,
    #[error("the URL must not carry a user name or password")]
    Credentials,
    #[error("{0} is a private, loopback or link-local address (allowed only with --webhook-allow-private)")]
    Internal(IpAddr),
    #[error("{0} is not a reachable unicast address")]
    Unusable(IpAddr),
    #[error("the host resolves to no address")]
    NoAddress,
}

impl DestinationPolicy {
    /// Checks what can be checked without DNS: scheme, credentials, a literal address.
    pub(crate) fn check_url(&self, text: &str) -> Result<Url, Refusal> {
        let url = Url::parse(text).map_err(|_| Refusal::Unparsable)?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            _ => return Err(Refusal::Scheme),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refusal::Credentials);
        }
        match url.host() {
            None => return Err(Refusal::NoHost),
            Some(url::Host::Ipv4(ip)) => self.check_address(IpAddr::V4(ip))?,
            Some(url::Host::Ipv6(ip)) => self.check_address(IpAddr::V6(ip))?,
            Some(url::Host::Domain(_)) => {}
        }
        Ok(url)
    }

    /// Whether a resolved (or literal) address may be connected to.
    pub(crate) fn check_address(&self, ip: IpAddr) -> Result<(), Refusal> {
        match classify(ip) {
            AddressClass::Public => Ok(()),
            AddressClass::Internal if self.allow_private => Ok(()),
            AddressClass::Internal => Err(Refusal::Internal(ip)),
            AddressClass::Unusable => Err(Refusal::Unusable(ip)),
        }
    }
}

/// Classifies an address, looking through the IPv6 forms that embed an IPv4 one.
pub(crate) fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(ip) => classify_v4(ip),
        IpAddr::V6(ip) => classify_v6(ip),
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let [a, b, c, _] = ip.octets();
    let internal = ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        // CGNAT, 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24 (e.g. DS-Lite's B4 addresses).
        || (a == 192 && b == 0 && c == 0)
        // Benchmarking, 198.18.0.0/15: used inside networks.
        || (a == 198 && (b == 18 || b == 19));
    let unusable = ip.is_unspecified()
        || a == 0
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        // Reserved, 240.0.0.0/4.
        || a >= 240;
    if unusable {
        AddressClass::Unusable
    } else if internal {
        AddressClass::Internal
    } else {
        AddressClass::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    let segments = ip.segments();
    let embedded = |high: u16, low: u16| Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    if ip.is_unspecified() || ip.is_multicast() {
        return AddressClass::Unusable;
    }
    if ip.is_loopback() {
        return AddressClass::Internal;
    }
    match segments {
        // v4-compatible (deprecated), ::a.b.c.d.
        [0, 0, 0, 0, 0, 0, high, low] => classify_v4(embedded(high, low)),
        // NAT64, 64:ff9b::/96: the translator reaches the embedded address.
        [0x64, 0xff9b, 0, 0, 0, 0, high, low] => classify_v4(embedded(high, low)),
        // Local-use NAT64, 64:ff9b:1::/48: inside a network by definition.
        [0x64, 0xff9b, 1, ..] => AddressClass::Internal,
        // 6to4, 2002:a.b.c.d::/48.
        [0x2002, high, low, ..] => classify_v4(embedded(high, low)),
        // Teredo, 2001:0::/32: the server at bits 32-63, the client obfuscated in the last 32.
        [0x2001, 0, server_high, server_low, _, _, client_high, client_low] => {
            let server = classify_v4(embedded(server_high, server_low));
            let client = classify_v4(embedded(!client_high, !client_low));
            worst(server, client)
        }
        // Documentation, 2001:db8::/32.
        [0x2001, 0x0db8, ..] => AddressClass::Unusable,
        // Discard-only, 100::/64.
        [0x0100, 0, 0, 0, ..] => AddressClass::Unusable,
        // Unique-local fc00::/7 (AWS's metadata fd00:ec2::254 among them), link-local
        // fe80::/10, site-local fec0::/10 (deprecated, still routed inside some networks).
        [first, ..] if first & 0xfe00 == 0xfc00 || first & 0xffc0 == 0xfe80 || first & 0xffc0 == 0xfec0 => {
            AddressClass::Internal
        }
        _ => AddressClass::Public,
    }
}

fn worst(one: AddressClass, other: AddressClass) -> AddressClass {
    match (one, other) {
        (AddressClass::Unusable, _) | (_, AddressClass::Unusable) => AddressClass::Unusable,
        (AddressClass::Internal, _) | (_, AddressClass::Internal) => AddressClass::Internal,
        _ => AddressClass::Public,
    }
}

/// The delivery client's resolver: resolves with the system's resolver and keeps only the
/// addresses the policy allows, so the connection is made to a checked address.
#[derive(Debug, Clone)]
pub(crate) struct GuardedResolver {
    pub(crate) policy: DestinationPolicy,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy;
        Box::pin(async move {
            // The port is the URL's; reqwest replaces the 0 given here.
            let resolved: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let mut refusal = Refusal::NoAddress;
            let allowed: Vec<SocketAddr> = resolved
                .into_iter()
                .filter(|addr| match policy.check_address(addr.ip()) {
                    Ok(()) => true,
                    Err(refused) => {
                        refusal = refused;
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                return Err(Box::new(refusal) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The resolver as reqwest takes it.
pub(crate) fn resolver(policy: DestinationPolicy) -> Arc<GuardedResolver> {
    Arc::new(GuardedResolver { policy })
}

#[cfg(test)]
mod tests {
    use super::AddressClass::{Internal, Public, Unusable};
    use super::*;

    #[test]
    fn truth_table() {
        let table: &[(&str, AddressClass)] = &[
            // IPv4.
            ("8.8.8.8", Public),
            ("93.184.216.34", Public),
            ("127.0.0.1", Internal),
            ("127.255.255.254", Internal),
            ("10.1.2.3", Internal),
            ("172.16.0.1", Internal),
            ("172.31.255.255", Internal),
            ("172.32.0.1", Public),
            ("192.168.1.1", Internal),
            ("169.254.169.254", Internal),
            ("100.64.0.1", Internal),
            ("100.127.255.255", Internal),
            ("100.128.0.1", Public),
            ("192.0.0.8", Internal),
            ("198.18.0.1", Internal),
            ("0.0.0.0", Unusable),
            ("0.1.2.3", Unusable),
            ("255.255.255.255", Unusable),
            ("224.0.0.1", Unusable),
            ("240.0.0.1", Unusable),
            ("192.0.2.1", Unusable),
            // IPv6.
            ("2606:4700:4700::1111", Public),
            ("::1", Internal),
            ("::", Unusable),
            ("fe80::1", Internal),
            ("fec0::1", Internal),
            ("fc00::1", Internal),
            ("fd00:ec2::254", Internal),
            ("ff02::1", Unusable),
            ("2001:db8::1", Unusable),
            ("100::1", Unusable),
            // v4-mapped and v4-compatible.
            ("::ffff:127.0.0.1", Internal),
            ("::ffff:169.254.169.254", Internal),
            ("::ffff:8.8.8.8", Public),
            ("::10.0.0.1", Internal),
            ("::8.8.8.8", Public),
            // NAT64.
            ("64:ff9b::7f00:1", Internal),
            ("64:ff9b::808:808", Public),
            ("64:ff9b:1::808:808", Internal),
            // 6to4.
            ("2002:c0a8:0101::1", Internal),
            ("2002:0808:0808::1", Public),
            // Teredo: server 65.54.227.120; client 127.0.0.1 and 8.8.8.8 obfuscated.
            ("2001:0:4136:e378:8000:63bf:80ff:fffe", Internal),
            ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", Public),
            ("2001:0:0a00:0001:8000:63bf:f7f7:f7f7", Internal),
        ];
        for (text, expected) in table {
            let ip: IpAddr = text.parse().unwrap();
            assert_eq!(classify(ip), *expected, "{text}");
        }
    }

    #[test]
    fn policy_refuses_by_scheme_and_literal_address() {
        let strict = DestinationPolicy::default();
        assert!(strict.check_url("https://hooks.example.com/in").is_ok());
        assert_eq!(strict.check_url("http://hooks.example.com/in"), Err(Refusal::Scheme));
        assert_eq!(strict.check_url("ftp://hooks.example.com/in"), Err(Refusal::Scheme));
        assert_eq!(strict.check_url("https://user:pw@hooks.example.com/"), Err(Refusal::Credentials));
        assert!(matches!(strict.check_url("https://127.0.0.1/"), Err(Refusal::Internal(_))));
        assert!(matches!(strict.check_url("https://[::ffff:10.0.0.1]/"), Err(Refusal::Internal(_))));
        assert!(matches!(strict.check_url("https://0.0.0.0/"), Err(Refusal::Unusable(_))));
        assert_eq!(strict.check_url("not a url"), Err(Refusal::Unparsable));

        let open = DestinationPolicy { allow_http: true, allow_private: true };
        assert!(open.check_url("http://127.0.0.1:3000/webhook").is_ok());
        assert!(open.check_url("http://[::1]:3000/").is_ok());
        assert!(matches!(open.check_url("http://0.0.0.0/"), Err(Refusal::Unusable(_))));
    }
}
