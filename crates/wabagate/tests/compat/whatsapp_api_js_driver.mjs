// Drives whatsapp-api-js (npm) through the gateway, then feeds the webhooks the sandbox
// delivered into its `post` handler (signature checked with the app secret).
//
// The library always addresses graph.facebook.com; its `ponyfill.fetch` option is the seam,
// and it sends the token given (here the wabagate API key) as the bearer.
//
// Environment:
//   WAJS_MODULE    the library's lib/ folder (installed under target/ by .ci/run)
//   WAJS_GATEWAY   http://127.0.0.1:PORT/whatsapp-business
//   WAJS_API_KEY   the demo API key
//   WAJS_SANDBOX   the sandbox's origin (for its control API)
//   WAJS_PHONE_ID  the demo phone number id
//   WAJS_APP_ID, WAJS_APP_SECRET  the demo app (the sandbox signs webhooks with its secret)
//
// Prints one JSON object: {"operations": {name: {"ok", "error"?}}, "skipped": {name: why},
// "not_covered": [methods neither run nor skipped], "webhooks": [{"kind", "ok", "error"?}]}.

import { createServer } from "node:http";

const env = (name) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
};
const GATEWAY = env("WAJS_GATEWAY");
const SANDBOX = env("WAJS_SANDBOX");
const PHONE_ID = env("WAJS_PHONE_ID");
const CUSTOMER = "15551234567";
const VERIFY_TOKEN = "whatsapp-api-js-compat";

const { WhatsAppAPI } = await import(`${env("WAJS_MODULE")}/index.js`);
const messages = await import(`${env("WAJS_MODULE")}/messages/index.js`);
const { Text, Image, Document, Audio, Video, Sticker, Location, Reaction, Contacts, Template, Language } = messages;
const { Interactive, ActionButtons, Button, Body, ActionList, ListSection, Row } = messages;
const { BodyComponent, BodyParameter, HeaderComponent, HeaderParameter } = messages;

/** The library's fetch, pointed at the gateway. */
const gatewayFetch = (url, options) => {
    const target = String(url).replace(/^https:\/\/graph\.facebook\.com/, GATEWAY);
    return fetch(target, options);
};

const wa = new WhatsAppAPI({
    token: env("WAJS_API_KEY"),
    appSecret: env("WAJS_APP_SECRET"),
    webhookVerifyToken: VERIFY_TOKEN,
    v: "v23.0",
    ponyfill: { fetch: gatewayFetch },
});

async function sandbox(method, path, body) {
    const answer = await fetch(`${SANDBOX}${path}`, {
        method,
        headers: { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!answer.ok) throw new Error(`${method} ${path}: ${answer.status} ${await answer.text()}`);
    return answer.json();
}

/** Meta's answers through getBody carry an `error` object instead of throwing. */
function expectSuccess(answer) {
    if (answer?.error) throw new Error(JSON.stringify(answer.error));
    return answer;
}

const sent = (answer) => expectSuccess(answer).messages[0].id;
const send = (message, context) => wa.sendMessage(PHONE_ID, CUSTOMER, message, context);

/** Bytes of a small PNG (1×1). */
const PNG = Uint8Array.from(
    atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="),
    (character) => character.charCodeAt(0),
);

const made = {};
const operations = [
    ["sendMessage(Text)", async () => (made.text = sent(await send(new Text("Hello from whatsapp-api-js", true))))],
    ["sendMessage(Image)", async () => sent(await send(new Image("https://example.com/cat.jpg", false, "A cat")))],
    ["sendMessage(Document)", async () =>
        sent(await send(new Document("https://example.com/report.pdf", false, "Report", "report.pdf")))],
    ["sendMessage(Audio)", async () => sent(await send(new Audio("https://example.com/audio.mp3")))],
    ["sendMessage(Video)", async () => sent(await send(new Video("https://example.com/video.mp4", false, "Watch")))],
    ["sendMessage(Sticker)", async () => sent(await send(new Sticker("https://example.com/sticker.webp")))],
    ["sendMessage(Location)", async () => sent(await send(new Location(-122.1477, 37.4847, "HQ", "1 Hacker Way")))],
    ["sendMessage(Contacts)", async () =>
        sent(await send(new Contacts([new messages.Name("Sam Sample", "Sam"), new messages.Phone("+15551234567", "CELL")])))],
    ["sendMessage(Interactive buttons)", async () =>
        sent(await send(new Interactive(new ActionButtons(new Button("yes", "Yes"), new Button("no", "No")), new Body("Proceed?"))))],
    ["sendMessage(Interactive list)", async () =>
        sent(await send(new Interactive(
            new ActionList("View options", new ListSection("Products", new Row("prod1", "Product 1", "First product"))),
            new Body("Choose from the list"),
        )))],
    ["sendMessage(Template)", async () =>
        sent(await send(new Template("hello_world", new Language("en_US"))))],
    ["sendMessage(Template with parameters)", async () =>
        sent(await send(new Template("seasonal_promotion", new Language("en_US"),
            new HeaderComponent(new HeaderParameter("Summer")),
            new BodyComponent(new BodyParameter("the end of August"), new BodyParameter("25OFF"), new BodyParameter("25%")))))],
    ["sendMessage(Reaction)", async () => sent(await send(new Reaction(made.text, "\u{1F44D}")))],
    ["sendMessage(reply)", async () => sent(await send(new Text("A reply"), made.text))],
    ["broadcastMessage", async () => {
        const answers = await Promise.all(wa.broadcastMessage(PHONE_ID, [CUSTOMER, "15557654321"], new Text("News"), 2, 10));
        answers.forEach(sent);
    }],
    ["markAsRead", async () => {
        const inbound = await sandbox("POST", "/__sandbox/inbound", { from: CUSTOMER, message: { type: "text", text: { body: "hi" } } });
        expectSuccess(await wa.markAsRead(PHONE_ID, inbound.id));
    }],
    ["markAsRead(typing)", async () => {
        const inbound = await sandbox("POST", "/__sandbox/inbound", { from: CUSTOMER, message: { type: "text", text: { body: "there?" } } });
        expectSuccess(await wa.markAsRead(PHONE_ID, inbound.id, "text"));
    }],
    ["uploadMedia", async () => {
        const form = new FormData();
        form.append("file", new Blob([PNG], { type: "image/png" }), "pixel.png");
        made.media = expectSuccess(await wa.uploadMedia(PHONE_ID, form)).id;
    }],
    ["retrieveMedia", async () => (made.mediaUrl = expectSuccess(await wa.retrieveMedia(made.media, PHONE_ID)).url)],
    ["fetchMedia", async () => {
        const answer = await wa.fetchMedia(made.mediaUrl);
        const bytes = new Uint8Array(await answer.arrayBuffer());
        if (answer.status !== 200 || bytes.length !== PNG.length || !bytes.every((byte, i) => byte === PNG[i])) {
            throw new Error(`the media came back as ${answer.status}, ${bytes.length} bytes`);
        }
    }],
    ["sendMessage(Image by id)", async () => sent(await send(new Image(made.media, true)))],
    ["deleteMedia", async () => expectSuccess(await wa.deleteMedia(made.media, PHONE_ID))],
    ["createQR", async () => (made.qr = expectSuccess(await wa.createQR(PHONE_ID, "Hello", "png")).code)],
    ["retrieveQR", async () => {
        const found = expectSuccess(await wa.retrieveQR(PHONE_ID, made.qr)).data[0];
        if (found.code !== made.qr) throw new Error(`retrieveQR answered ${JSON.stringify(found)}`);
    }],
    ["updateQR", async () => expectSuccess(await wa.updateQR(PHONE_ID, made.qr, "Hello again"))],
    ["deleteQR", async () => expectSuccess(await wa.deleteQR(PHONE_ID, made.qr))],
    ["blockUser", async () => expectSuccess(await wa.blockUser(PHONE_ID, CUSTOMER))],
    ["unblockUser", async () => expectSuccess(await wa.unblockUser(PHONE_ID, CUSTOMER))],
    ["sendMessage(group)", async () => {
        const groups = `${GATEWAY}/v23.0/${PHONE_ID}/groups`;
        const auth = { Authorization: `Bearer ${env("WAJS_API_KEY")}`, "Content-Type": "application/json" };
        await fetch(groups, { method: "POST", headers: auth, body: JSON.stringify({ messaging_product: "whatsapp", subject: "JS team" }) });
        const group = (await (await fetch(groups, { headers: auth })).json()).data.groups[0].id;
        sent(await wa.sendMessage(PHONE_ID, { group }, new Text("Hello, group")));
    }],
];

// Calls need a WebRTC offer and a callee who granted permission (a real phone): Meta refuses
// them without one, as the sandbox does.
const SKIPPED = {
    initiateCall: "needs a call permission granted from a real WhatsApp user's phone",
    preacceptCall: "needs a call made by a real WhatsApp user",
    acceptCall: "needs a call made by a real WhatsApp user",
    rejectCall: "needs a call made by a real WhatsApp user",
    terminateCall: "needs a call in progress",
};

// === webhooks ===

const deliveries = [];
const receiver = createServer((request, response) => {
    const url = new URL(request.url, "http://127.0.0.1");
    if (request.method === "GET") {
        const challenge = wa.get(Object.fromEntries(url.searchParams));
        response.writeHead(200).end(challenge);
        return;
    }
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
        deliveries.push({ body: Buffer.concat(chunks).toString("utf8"), signature: request.headers["x-hub-signature-256"] });
        response.writeHead(200).end();
    });
});
await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
await sandbox("POST", "/__sandbox/webhooks", {
    app_id: env("WAJS_APP_ID"),
    callback_url: `http://127.0.0.1:${receiver.address().port}/`,
    verify_token: VERIFY_TOKEN,
});

const results = {};
for (const [name, run] of operations) {
    try {
        await run();
        results[name] = { ok: true };
    } catch (error) {
        results[name] = { ok: false, error: String(error?.message ?? error).slice(0, 800) };
    }
}

for (const message of [
    { type: "text", text: { body: "hello" } },
    { type: "image", image: { caption: "a photo" } },
    { type: "interactive", interactive: { type: "button_reply", button_reply: { id: "yes", title: "Yes" } } },
    { type: "location", location: { latitude: 37.48, longitude: -122.14 } },
]) {
    await sandbox("POST", "/__sandbox/inbound", { from: CUSTOMER, message });
}

// Deliveries trickle in (sent, delivered, read follow each other); wait until they stop.
let seen = -1;
for (let quiet = 0, waited = 0; quiet < 10 && waited < 200; waited++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    quiet = deliveries.length === seen ? quiet + 1 : 0;
    seen = deliveries.length;
}

const handled = [];
wa.on.message = ({ message }) => handled.push(`message/${message.type}`);
wa.on.status = ({ status, type }) => handled.push(`status/${type === "group" ? "group." : ""}${status}`);
const webhooks = [];
for (const { body, signature } of deliveries) {
    const payload = JSON.parse(body);
    const value = payload.entry[0].changes[0].value;
    const kind = value.messages
        ? `message/${value.messages[0].type}`
        : value.statuses
          ? `status/${value.statuses[0].recipient_type === "group" ? "group." : ""}${value.statuses[0].status}`
          : payload.entry[0].changes[0].field;
    handled.length = 0;
    try {
        await wa.post(payload, body, signature);
        const ok = handled.length === 1 && handled[0] === kind;
        webhooks.push(ok ? { kind, ok } : { kind, ok, error: `handled as ${JSON.stringify(handled)}` });
    } catch (error) {
        webhooks.push({ kind, ok: false, error: String(error?.message ?? error).slice(0, 400) });
    }
}

// Every method of the client that calls the Graph API is run or skipped with a reason.
const NOT_GRAPH_CALLS = ["constructor", "post", "get", "verifyRequestSignature", "$$apiFetch$$", "getBody"];
const run = new Set(Object.keys(results).map((name) => name.split("(")[0]));
const notCovered = Object.getOwnPropertyNames(WhatsAppAPI.prototype).filter(
    (name) => !NOT_GRAPH_CALLS.includes(name) && !run.has(name) && !(name in SKIPPED),
);

receiver.closeAllConnections();
receiver.close();
console.log(JSON.stringify({ operations: results, skipped: SKIPPED, not_covered: notCovered, webhooks }));
