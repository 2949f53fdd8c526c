//! The Resource Request API over real HTTP: `formrobot serve` on a loopback
//! port, a real database file, requests sent on a socket; the tickets they
//! open are moved on with the same commands as mailed ones. `forward` talks
//! to a small HTTP server in the test that answers as the API's
//! documentation says (the real endpoint cannot be reached from here).

mod common;

use common::serve::{Server, TODAY};
use common::{formrobot, Scratch};
use rusqlite::Connection;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

const ASN: &str = "/api/external/v1/request/asn/assignment";

fn payload(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/api").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON fixture")
}

/// Runs `formrobot --db DB [--config C] args...`: exit code, stdout, stderr.
fn run(db: &Path, config: Option<&Path>, args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["--db", db.to_str().expect("UTF-8"), TODAY];
    if let Some(config) = config {
        all.extend(["--config", config.to_str().expect("UTF-8")]);
    }
    all.extend(args);
    let output = formrobot(&all, None);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Makes an API key named `name`; returns it.
fn make_key(db: &Path, name: &str) -> String {
    let (code, out, err) = run(db, None, &["api-key", "create", name]);
    assert_eq!(code, Some(0), "{err}");
    let key = out.trim().to_owned();
    assert!(key.starts_with("fr_") && key.len() == 67, "{key}");
    key
}

impl Server {
    /// One request; the status and the JSON body (or the text, as a JSON string).
    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, Value) {
        let mut stream = TcpStream::connect(self.address).expect("connects");
        stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.address);
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("transfer-encoding")) {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).expect("writes");
        // The server may answer (413, 401) before it reads the body: a failed write is its choice.
        let _ = stream.write_all(body);
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let text = String::from_utf8_lossy(&answer);
        let status = text.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        assert!(
            status == 0 || head.to_ascii_lowercase().contains("content-type: application/json"),
            "not JSON: {head}"
        );
        (status, serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned())))
    }

    fn post(&self, path: &str, key: Option<&str>, body: &Value) -> (u16, Value) {
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(key) = key {
            headers.push(("ncc-api-authorization", key));
        }
        self.request("POST", path, &headers, body.to_string().as_bytes())
    }
}

/// The `{path, msg}` errors of a 400.
fn errors(answer: &Value) -> Vec<(String, String)> {
    answer["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {answer}"))
        .iter()
        .map(|e| (e["path"].as_str().unwrap_or("").to_owned(), e["msg"].as_str().unwrap_or("").to_owned()))
        .collect()
}

fn has(found: &[(String, String)], path: &str, words: &str) -> bool {
    found.iter().any(|(p, m)| p == path && m.contains(words))
}

fn count(db: &Path, sql: &str) -> i64 {
    Connection::open(db).expect("opens").query_row(sql, [], |row| row.get(0)).expect("counts")
}

#[test]
fn the_documented_asn_requests_open_tickets_in_the_queue_and_are_acknowledged() {
    let scratch = Scratch::new("api-taken");
    let db = scratch.db();
    let key = make_key(&db, "acme");
    let server = Server::start(&scratch, &db, "");

    let (status, minimal) = server.post(ASN, Some(&key), &payload("asn-minimal.json"));
    assert_eq!(status, 201, "{minimal}");
    assert_eq!(minimal["status"], "pending-review");
    let ticket = minimal["ticket"].as_str().expect("a ticket").to_owned();
    assert!(ticket.starts_with("FR-"), "{ticket}");
    // The key may also come as the `key` query parameter.
    let (status, customer) = server.post(&format!("{ASN}?key={key}"), None, &payload("asn-customer.json"));
    assert_eq!(status, 201, "{customer}");
    let customer_ticket = customer["ticket"].as_str().expect("a ticket").to_owned();

    let (code, queue, err) = run(&db, None, &["queue", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let queue = json_of(&queue);
    let rows = queue.as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{queue}");
    assert!(rows.iter().all(|row| row["state"] == "pending-review" && row["as_name"] == "RIPE-NCC-AS"));
    assert!(rows.iter().all(|row| row["neighbours"] == 2), "{queue}");

    let (code, shown, err) = run(&db, None, &["show", &customer_ticket, "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let shown = json_of(&shown);
    let object = shown["objects"][0]["text"].as_str().or(shown["objects"][0]["rewritten"].as_str()).unwrap_or("");
    let all = shown.to_string();
    assert!(all.contains("aut-num:        NEW"), "{all}");
    assert!(all.contains("remarks:        routing policy with AS444: from AS444 accept ANY"), "{object}{all}");
    assert!(all.contains("Resource Request API, key acme"), "{all}");
    let mails = shown["mails"].as_array().expect("mails");
    let acknowledgement = mails.iter().find(|m| m["direction"] == "out").expect("an acknowledgement");
    assert_eq!(
        acknowledgement["address"], "tom.smith@example.org,additional-1@example.com,additional-2@example.com",
        "the contact and each additional address are told"
    );
    assert!(acknowledgement["subject"].as_str().unwrap_or("").contains(&format!("[{customer_ticket}]")));
    // The body is recorded before anything else, and the documents are kept, decoded.
    assert_eq!(count(&db, "SELECT COUNT(*) FROM messages WHERE origin = 'api:acme'"), 2);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM attachments WHERE filename = 'contract.pdf' AND content = CAST('dummy contract' AS BLOB)"),
        1
    );
    let raw: Vec<u8> = Connection::open(&db)
        .expect("opens")
        .query_row(
            "SELECT m.raw FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.tag = ?1",
            [&ticket],
            |r| r.get(0),
        )
        .expect("the body");
    assert_eq!(serde_json::from_slice::<Value>(&raw).expect("JSON"), payload("asn-minimal.json"));
    assert!(!server.stderr().contains(&key), "the key is never logged");
}

#[test]
fn broken_requests_get_every_error_with_its_path() {
    let scratch = Scratch::new("api-broken");
    let db = scratch.db();
    // A registry that holds objects: references are looked up.
    let dump = scratch.path("registry.db");
    std::fs::write(
        &dump,
        "person:         Tom Smith\nnic-hdl:        TS1-RIPE\nsource:         RIPE\n\n\
         mntner:         EXAMPLE-MNT\nsource:         RIPE\n\n",
    )
    .expect("dump");
    let (code, _, err) = run(&db, None, &["import", dump.to_str().expect("UTF-8")]);
    assert_eq!(code, Some(0), "{err}");
    let key = make_key(&db, "acme");
    let server = Server::start(&scratch, &db, "");

    // The documentation's invalid example: unknown admin-c and mnt-by, and a bad as-name.
    let mut invalid = payload("asn-minimal.json");
    invalid["requestContent"]["asnName"] = json!("as-123-!");
    invalid["requestContent"]["techc"] = json!("TS1-RIPE");
    invalid["requestContent"]["mntRoutes"] = json!("EXAMPLE-MNT");
    let (status, answer) = server.post(ASN, Some(&key), &invalid);
    assert_eq!(status, 400, "{answer}");
    let found = errors(&answer);
    assert!(has(&found, "requestContent.adminc", "my-admin-c"), "{found:?}");
    assert!(has(&found, "requestContent.mntBy", "my-mnt-by"), "{found:?}");
    assert!(has(&found, "requestContent.asnName", "as-123-!"), "{found:?}");
    assert_eq!(found.len(), 3, "{found:?}");

    // A dozen broken payloads, each refused with its problems at their paths.
    let good = || {
        let mut body = payload("asn-minimal.json");
        body["requestContent"]["adminc"] = json!("TS1-RIPE");
        body["requestContent"]["techc"] = json!("TS1-RIPE");
        body["requestContent"]["mntBy"] = json!("EXAMPLE-MNT");
        body["requestContent"]["mntRoutes"] = json!("EXAMPLE-MNT");
        body
    };
    let (status, answer) = server.post(ASN, Some(&key), &good());
    assert_eq!(status, 201, "the base of the broken ones is itself good: {answer}");
    type Breaker = fn(&mut Value);
    let cases: [(Breaker, &[(&str, &str)]); 12] = [
        (|b| drop(b.as_object_mut().map(|o| o.remove("contactPersonEmail"))), &[("obj", "contactPersonEmail")]),
        (|b| b["requestContent"]["country"] = json!("XX"), &[("requestContent.country", "XX")]),
        (
            |b| b["requestContent"]["peeringPartners"][1]["asn"] = json!("AS333"),
            &[
                ("requestContent.peeringPartners[1].asn", "already partner 0"),
                ("requestContent.peeringPartners[1].import", "names AS444, not this partner's AS333"),
                ("requestContent.peeringPartners[1].export", "names AS444, not this partner's AS333"),
            ],
        ),
        (
            |b| {
                if let Some(partners) = b["requestContent"]["peeringPartners"].as_array_mut() {
                    partners.pop();
                }
            },
            &[("requestContent.peeringPartners", "at least 2")],
        ),
        (
            |b| b["requestContent"]["peeringPartners"][0]["import"] = json!("from AS333 accept"),
            &[("requestContent.peeringPartners[0].import", "")],
        ),
        (
            |b| drop(b["requestContent"]["peeringPartners"][1].as_object_mut().map(|o| o.remove("export"))),
            &[("requestContent.peeringPartners[1]", "export")],
        ),
        (
            |b| b["requestContent"]["onBehalfOfCustomer"] = json!(true),
            &[("requestContent", "customer"), ("requestContent.attachments", "attachment")],
        ),
        (
            |b| {
                b["requestContent"]["onBehalfOfCustomer"] = json!(true);
                b["requestContent"]["customer"] =
                    json!({"organisation": "ORG-X1-RIPE", "organisationName": "X", "website": "http://x.example"});
                b["requestContent"]["attachments"] = json!([{"fileName": "c.pdf", "content": "not base64!"}]);
            },
            &[("requestContent.attachments[0].content", "")],
        ),
        (|b| b["contactPersonEmail"] = json!("tom"), &[("contactPersonEmail", "tom")]),
        (|b| b["requestContent"]["currentAsns"] = json!(["ASX"]), &[("requestContent.currentAsns[0]", "ASX")]),
        (|b| b["requestContent"]["colour"] = json!("red"), &[("requestContent.colour", "")]),
        (
            |b| b["requestType"] = json!("Ipv4FirstAllocation"),
            &[("requestType", "/api/external/v1/request/ipv4/allocation")],
        ),
    ];
    for (index, (breaker, expected)) in cases.iter().enumerate() {
        let mut body = good();
        breaker(&mut body);
        let (status, answer) = server.post(ASN, Some(&key), &body);
        assert_eq!(status, 400, "case {index}: {answer}");
        let found = errors(&answer);
        for (path, words) in *expected {
            assert!(has(&found, path, words), "case {index}: no error at {path} saying {words:?} in {found:?}");
        }
        assert_eq!(found.len(), expected.len(), "case {index}: {found:?}");
    }
    // Only the good request made a ticket.
    assert_eq!(count(&db, "SELECT COUNT(*) FROM tickets"), 1);
}

#[test]
fn keys_bodies_and_paths_that_are_wrong_get_json_errors() {
    let scratch = Scratch::new("api-refusals");
    let db = scratch.db();
    let key = make_key(&db, "acme");
    let old = make_key(&db, "old");
    let (code, _, err) = run(&db, None, &["api-key", "revoke", "old"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, list, _) = run(&db, None, &["api-key", "list", "--json"]);
    assert_eq!(code, Some(0));
    let list = json_of(&list);
    assert_eq!(list[0]["name"], "acme");
    assert!(list[1]["revoked_at"].is_number(), "{list}");
    assert!(!list.to_string().contains(&key), "list never shows a key");
    assert_eq!(run(&db, None, &["api-key", "create", "acme"]).0, Some(1), "names are unique");
    let server = Server::start(&scratch, &db, "");
    let body = payload("asn-minimal.json");

    for given in [None, Some("fr_00"), Some(old.as_str())] {
        let (status, answer) = server.post(ASN, given, &body);
        assert_eq!(status, 401, "{given:?}: {answer}");
        assert!(errors(&answer)[0].1.contains("API key"), "{answer}");
    }
    let json = ("Content-Type", "application/json");
    let auth = ("ncc-api-authorization", key.as_str());
    let (status, answer) = server.request("POST", ASN, &[json, auth], b"{\"requestType\": ");
    assert_eq!(status, 400, "{answer}");
    assert!(errors(&answer)[0].1.contains("not valid JSON"), "{answer}");
    let (status, answer) =
        server.request("POST", ASN, &[("Content-Type", "text/plain"), auth], body.to_string().as_bytes());
    assert_eq!(status, 400, "{answer}");
    assert!(errors(&answer)[0].1.contains("application/json"), "{answer}");
    // Over the limit (64 KiB here): refused by its declared length, and when it is sent in chunks without one.
    let big = vec![b' '; 70_000];
    let (status, answer) = server.request("POST", ASN, &[json, auth], &big);
    assert_eq!(status, 413, "{answer}");
    let mut chunked = Vec::new();
    for _ in 0..20 {
        chunked.extend_from_slice(format!("{:x}\r\n", 4096).as_bytes());
        chunked.extend_from_slice(&[b' '; 4096]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let (status, answer) = server.request("POST", ASN, &[json, auth, ("Transfer-Encoding", "chunked")], &chunked);
    assert_eq!(status, 413, "{answer}");
    let (status, answer) = server.request("GET", "/api/nothing", &[auth], b"");
    assert_eq!(status, 404, "{answer}");
    let (status, answer) = server.request("DELETE", ASN, &[auth], b"");
    assert_eq!(status, 405, "{answer}");
    let (status, answer) = server.request("GET", "/api/external/v1/request/FR-NOSUCHTICKET", &[auth], b"");
    assert_eq!(status, 404, "{answer}");
    // Deeply nested JSON is refused, not a crash; the server still answers afterwards.
    let nested = format!("{}{}", "[".repeat(100_000 / 2), "]".repeat(100_000 / 2));
    let (status, _) = server.request("POST", ASN, &[json, auth], &nested.as_bytes()[..60_000.min(nested.len())]);
    assert_eq!(status, 400);
    let (status, answer) = server.post(ASN, Some(&key), &body);
    assert_eq!(status, 201, "{answer}");
    let log = server.stderr();
    assert!(log.contains("without a valid API key"), "{log}");
    assert!(!log.contains(&key) && !log.contains(&old), "keys are never logged: {log}");
}

#[test]
fn the_other_request_types_are_taken_and_wait_for_a_hostmaster() {
    let scratch = Scratch::new("api-other");
    let db = scratch.db();
    let key = make_key(&db, "acme");
    let server = Server::start(&scratch, &db, "");
    let cases = [
        ("/api/external/v1/request/ipv4/allocation", "ipv4-allocation.json", "inetnum:        NEW/22"),
        ("/api/external/v1/request/ipv6/allocation", "ipv6-allocation.json", "inet6num:       NEW/32"),
        ("/api/external/v1/request/ipv6/pi-assignment", "ipv6-pi-assignment.json", "status:         ASSIGNED PI"),
    ];
    for (path, file, object) in cases {
        let (status, answer) = server.post(path, Some(&key), &payload(file));
        assert_eq!(status, 201, "{file}: {answer}");
        let ticket = answer["ticket"].as_str().expect("ticket");
        let (status, state) = server.request("GET", &format!("/api/external/v1/request/{ticket}?key={key}"), &[], b"");
        assert_eq!(status, 200, "{state}");
        assert_eq!(state["status"], "pending-review");
        assert_eq!(state["requestType"], payload(file)["requestType"]);
        let (code, shown, _) = run(&db, None, &["show", ticket]);
        assert_eq!(code, Some(0));
        assert!(shown.contains(object), "{shown}");
        // The robot assigns AS numbers only: approval is refused, nothing changes.
        let (code, _, err) = run(&db, None, &["--operator", "hm", "approve", ticket]);
        assert_eq!(code, Some(1), "{err}");
        assert!(err.contains("does not assign") && err.contains("forward"), "{err}");
    }
    // A request sent to the wrong endpoint says where it belongs.
    let (status, answer) = server.post(ASN, Some(&key), &payload("ipv4-allocation.json"));
    assert_eq!(status, 400);
    assert!(has(&errors(&answer), "requestType", "/api/external/v1/request/ipv4/allocation"), "{answer}");
}

#[test]
fn an_api_ticket_is_approved_from_the_command_line_and_the_decision_mailed() {
    let scratch = Scratch::new("api-approved");
    let db = scratch.db();
    let key = make_key(&db, "acme");
    let other = make_key(&db, "other");
    let server = Server::start(&scratch, &db, "");
    let (status, answer) = server.post(ASN, Some(&key), &payload("asn-customer.json"));
    assert_eq!(status, 201, "{answer}");
    let ticket = answer["ticket"].as_str().expect("ticket").to_owned();
    let state_path = format!("/api/external/v1/request/{ticket}");

    let (code, approved, err) = run(&db, None, &["--operator", "hm-anna", "approve", &ticket, "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let approved = json_of(&approved);
    assert_eq!(approved["asns"], json!(["AS64496"]));
    let mail = &approved["mail"];
    assert_eq!(mail["to"], "tom.smith@example.org,additional-1@example.com,additional-2@example.com");
    assert!(mail["subject"].as_str().unwrap_or("").contains(&format!("[{ticket}] APPROVED")), "{mail}");
    assert!(mail["body"].as_str().unwrap_or("").contains("aut-num:        AS64496"), "{mail}");
    assert!(mail["body"].as_str().unwrap_or("").contains("export:         to AS333 announce AS64496"), "{mail}");
    // The mail is queued with every address as a recipient.
    let recipients: String = Connection::open(&db)
        .expect("opens")
        .query_row("SELECT recipient FROM outbox ORDER BY id DESC LIMIT 1", [], |r| r.get(0))
        .expect("a queued mail");
    assert_eq!(recipients.split(',').count(), 3, "{recipients}");

    let (status, state) = server.request("GET", &state_path, &[("ncc-api-authorization", &key)], b"");
    assert_eq!(status, 200, "{state}");
    assert_eq!(state["status"], "approved");
    assert_eq!(state["asn"], "AS64496");
    // Another key does not see the ticket at all.
    let (status, _) = server.request("GET", &state_path, &[("ncc-api-authorization", &other)], b"");
    assert_eq!(status, 404);
    let (status, _) = server.request("GET", &state_path, &[], b"");
    assert_eq!(status, 401);
    // The registry holds the aut-num, and the export shows it.
    let (code, dump, _) = run(&db, None, &["export"]);
    assert_eq!(code, Some(0));
    assert!(dump.contains("aut-num:        AS64496\nas-name:        RIPE-NCC-AS"), "{dump}");
}

/// A stand-in for the upstream registry's API, answering as its documentation
/// says: each connection gets the next scripted answer; what was sent is passed back.
fn upstream(answers: Vec<(u16, &'static str)>) -> (SocketAddr, mpsc::Receiver<(String, Vec<u8>)>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
    let address = listener.local_addr().expect("address");
    let (tell, heard) = mpsc::channel();
    std::thread::spawn(move || {
        for (status, body) in answers {
            let Ok((stream, _)) = listener.accept() else { return };
            let mut reader = BufReader::new(stream);
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            let length = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let mut payload = vec![0; length];
            let _ = reader.read_exact(&mut payload);
            let _ = tell.send((head, payload));
            let answer = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = reader.get_mut().write_all(answer.as_bytes());
        }
    });
    (address, heard)
}

#[test]
fn a_mailed_request_is_passed_on_to_the_upstream_api() {
    let scratch = Scratch::new("api-forward");
    let db = scratch.db();
    let mail = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/lifecycle/ripe-request.eml"))
        .expect("fixture");
    let output = formrobot(&["--db", db.to_str().expect("UTF-8"), TODAY, "process", "--json"], Some(&mail));
    assert_eq!(output.status.code(), Some(0));
    let ticket = json_of(&String::from_utf8_lossy(&output.stdout))["ticket"].as_str().expect("ticket").to_owned();

    let (address, heard) = upstream(vec![
        (
            400,
            r#"{"errors": [{"path": "obj", "msg": "invalid-role: admin-c object does not exist in the RIPE database"}]}"#,
        ),
        (201, r#"{"ticket": "NCC-1234"}"#),
    ]);
    let config = scratch.path("forward.toml");
    std::fs::write(
        &config,
        format!(
            "[upstream_api]\nurl = \"http://{address}/api/external/v1/request/asn/assignment\"\nkey_env = \"FORMROBOT_TEST_UPSTREAM_KEY\"\ncountry = \"NO\"\nretries = 1\nbackoff_ms = 10\n"
        ),
    )
    .expect("config");

    let (code, payload_text, err) = run(&db, Some(&config), &["show", &ticket, "--request-json"]);
    assert_eq!(code, Some(0), "{err}");
    let payload = json_of(&payload_text);
    assert_eq!(payload["requestType"], "AsnAssignment");
    assert_eq!(payload["contactPersonEmail"], "jane@example.org");
    assert_eq!(payload["requestContent"]["asnName"], "EXAMPLENET-AS");
    assert_eq!(payload["requestContent"]["country"], "NO");
    let partners = payload["requestContent"]["peeringPartners"].as_array().expect("partners");
    assert_eq!(partners.len(), 2, "{payload}");
    assert_eq!(partners[1]["asn"], "AS64498");
    assert_eq!(partners[1]["export"], "to AS64498 announce NEW");

    let forward = |args: &[&str]| {
        let mut all = vec!["--db", db.to_str().expect("UTF-8"), TODAY, "--config", config.to_str().expect("UTF-8")];
        all.extend(args);
        let output = Command::new(env!("CARGO_BIN_EXE_formrobot"))
            .args(&all)
            .env("FORMROBOT_TEST_UPSTREAM_KEY", "upstream-secret")
            .output()
            .expect("runs");
        (output.status.code(), String::from_utf8_lossy(&output.stdout).into_owned())
    };
    // The upstream refuses: its errors are recorded and shown; the ticket stays for review.
    let (code, said) = forward(&["--operator", "hm", "forward", &ticket, "--json"]);
    assert_eq!(code, Some(1), "{said}");
    let said = json_of(&said);
    assert_eq!(said["state"], "pending-review");
    assert!(said["errors"][0]["msg"].as_str().unwrap_or("").contains("admin-c"), "{said}");
    let (head, sent) = heard.recv_timeout(Duration::from_secs(10)).expect("the upstream was asked");
    assert!(head.to_ascii_lowercase().contains("ncc-api-authorization: upstream-secret"), "{head}");
    assert_eq!(json_of(&String::from_utf8_lossy(&sent)), payload, "the payload sent is the one shown");
    let (_, log, _) = run(&db, None, &["log", "--ticket", &ticket]);
    assert!(log.contains("forward-rejected") && log.contains("admin-c object does not exist"), "{log}");

    // Taken: the ticket is forwarded, and leaves the queue.
    let (code, said) = forward(&["--operator", "hm", "forward", &ticket]);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("forwarded"), "{said}");
    let (_, queue, _) = run(&db, None, &["queue", "--json"]);
    assert_eq!(json_of(&queue), json!([]));
    let (code, _) = forward(&["forward", &ticket]);
    assert_eq!(code, Some(1), "a forwarded ticket is not forwarded again");
}

#[test]
fn an_unreachable_upstream_is_retried_and_loses_nothing() {
    let scratch = Scratch::new("api-unreachable");
    let db = scratch.db();
    let mail = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/lifecycle/ripe-request.eml"))
        .expect("fixture");
    let output = formrobot(&["--db", db.to_str().expect("UTF-8"), TODAY, "process", "--json"], Some(&mail));
    let ticket = json_of(&String::from_utf8_lossy(&output.stdout))["ticket"].as_str().expect("ticket").to_owned();
    // A port nothing listens on: bound, then closed.
    let port = TcpListener::bind("127.0.0.1:0").expect("binds").local_addr().expect("address").port();
    let config = scratch.path("forward.toml");
    std::fs::write(
        &config,
        format!("[upstream_api]\nurl = \"http://127.0.0.1:{port}/x\"\nkey_env = \"HOME\"\ncountry = \"NO\"\nretries = 2\nbackoff_ms = 10\n"),
    )
    .expect("config");
    let (code, said, err) = run(&db, Some(&config), &["forward", &ticket, "--json"]);
    assert_eq!(code, Some(75), "{said}{err}");
    let said = json_of(&said);
    assert_eq!(said["result"], "unreachable");
    assert!(said["error"].as_str().unwrap_or("").contains("3 attempt(s)"), "{said}");
    assert_eq!(said["state"], "pending-review");
    assert!(err.matches("forward failed").count() == 2, "two retries, each logged: {err}");
    let (_, log, _) = run(&db, None, &["log", "--ticket", &ticket]);
    assert!(log.contains("forward-failed"), "{log}");
}
