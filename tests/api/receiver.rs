//! A real HTTP receiver for webhooks, bound on loopback in its own thread: it keeps every
//! request it gets and answers each with the next scripted answer (200 once the script runs
//! out; a redirect points to `/followed`).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }

    /// Whether `webhook-signature` is the Standard Webhooks signature of this request under
    /// `secret` (`whsec_` and base64).
    pub fn signed_with(&self, secret: &str) -> bool {
        let key = STANDARD
            .decode(secret.trim_start_matches("whsec_"))
            .expect("a base64 secret");
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(
            format!(
                "{}.{}.{}",
                self.header("webhook-id"),
                self.header("webhook-timestamp"),
                self.body
            )
            .as_bytes(),
        );
        let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        self.header("webhook-signature")
            .split(' ')
            .any(|candidate| candidate == expected)
    }
}

/// An answer: a status after a delay.
pub type Answer = (u16, Duration);

#[derive(Default)]
struct Shared {
    received: Vec<Received>,
    script: VecDeque<Answer>,
    /// Answered to every request once the script runs out.
    otherwise: Option<u16>,
}

/// The receiver; stops when dropped.
pub struct Receiver {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

impl Receiver {
    /// A receiver on a free loopback port.
    pub fn start() -> Self {
        Self::start_on(0)
    }

    /// A receiver on `port` (0: any free one).
    pub fn start_on(port: u16) -> Self {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let kept = Arc::clone(&shared);
        let (started, start) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(web::Data::new(Arc::clone(&kept)))
                        .default_service(web::to(receive))
                })
                .workers(2)
                .bind(("127.0.0.1", port))
                .expect("the receiver binds");
                let port = server.addrs()[0].port();
                let server = server.run();
                let _ = started.send((port, server.handle()));
                let _ = server.await;
            });
        });
        let (port, handle) = start.recv().expect("the receiver starts");
        Self {
            url: format!("http://127.0.0.1:{port}/hook"),
            shared,
            handle,
        }
    }

    /// Answers the next requests with `answers`, in order.
    pub fn script(&self, answers: impl IntoIterator<Item = Answer>) {
        self.shared.lock().unwrap().script.extend(answers);
    }

    /// Answers every request with `status` once the script runs out.
    pub fn always(&self, status: u16) {
        self.shared.lock().unwrap().otherwise = Some(status);
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared.lock().unwrap().received.clone()
    }

    /// Waits up to `within` for `done` to hold of the requests received; them.
    pub async fn wait_for(
        &self,
        within: Duration,
        mut done: impl FnMut(&[Received]) -> bool,
    ) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "the receiver did not get what was expected in time: {received:#?}"
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn receive(
    request: HttpRequest,
    body: web::Bytes,
    shared: web::Data<Arc<Mutex<Shared>>>,
) -> HttpResponse {
    let answer = {
        let mut shared = shared.lock().unwrap();
        shared.received.push(Received {
            path: request.path().to_owned(),
            headers: request
                .headers()
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_owned(),
                        value.to_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        let otherwise = (shared.otherwise.unwrap_or(200), Duration::ZERO);
        shared.script.pop_front().unwrap_or(otherwise)
    };
    if !answer.1.is_zero() {
        actix_web::rt::time::sleep(answer.1).await;
    }
    let mut response =
        HttpResponse::build(actix_web::http::StatusCode::from_u16(answer.0).unwrap());
    // A redirect points elsewhere on this receiver, so following it would show.
    if (300..400).contains(&answer.0) {
        response.insert_header(("location", "/followed"));
    }
    response.body(format!("answered {}", answer.0))
}
