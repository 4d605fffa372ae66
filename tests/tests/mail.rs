//! E-mail over SMTP: a small SMTP listener started by the test receives the verification code.

use std::sync::{Arc, Mutex};

use serde_json::json;
use souk_tests::{Backend, Options, TestServer, json, on_both_backends, otp_in};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Accepts SMTP sessions and records each message's DATA.
async fn smtp_listener() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let messages = Arc::new(Mutex::new(Vec::new()));
    let received = messages.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let received = received.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 test.smtp ready\r\n").await.ok();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            received.lock().unwrap().push(std::mem::take(body));
                            data = None;
                            write.write_all(b"250 queued\r\n").await.ok();
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-test.smtp\r\n250 8BITMIME\r\n",
                        "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 ok\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.ok();
                            break;
                        }
                        _ => b"502 not implemented\r\n",
                    };
                    write.write_all(reply).await.ok();
                }
            });
        }
    });
    (port, messages)
}

async fn codes_go_out_over_smtp_when_configured(backend: Backend) {
    let (port, messages) = smtp_listener().await;
    let mut options = Options::default();
    options.env.insert("SOUK_SMTP_URL".into(), format!("smtp://127.0.0.1:{port}"));
    let server = TestServer::start_with(backend, options).await;
    let form = json!({
        "role": "buyer", "email": "mailed@souk.example", "username": "mailed",
        "password": "correct horse battery", "first_name": "Mail", "last_name": "Test"
    });
    assert_eq!(server.post_json("/api/v1/auth/register", None, &form).await.status(), 201);
    let message = messages.lock().unwrap().first().cloned().expect("one message reached the SMTP server");
    assert!(message.contains("To: mailed@souk.example"), "{message}");
    assert!(!server.data_dir().join("mail").exists(), "no .eml files when SMTP is configured");
    let code = otp_in(&message).expect("the code is in the message");
    let verified = server
        .post_json("/api/v1/auth/verify-email", None, &json!({"email": "mailed@souk.example", "otp": code}))
        .await;
    assert_eq!(json(verified).await["data"]["user"]["status"], "active");
}

on_both_backends!(codes_go_out_over_smtp_when_configured);
