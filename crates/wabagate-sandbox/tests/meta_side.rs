//! Integration tests of the sandbox's Meta side over real HTTP: the OAuth dialog and token
//! endpoints, `debug_token`, `subscribed_apps`, the webhook handshake, signed deliveries,
//! retries and inbound messages. One binary, one link step.

mod meta_side {
    mod support;

    mod debug_token;
    mod delivery;
    mod dialog;
    mod fidelity;
    mod habits;
    mod inbound;
    mod subscribed_apps;
    mod token_endpoint;
}
