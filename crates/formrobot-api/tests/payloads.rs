//! The Resource Request API's payloads: the documentation's examples are
//! taken, and broken ones are refused with every problem at its path.

use formrobot_api::validate::Rejection;
use formrobot_api::{validate, ApiError, Policy, RequestType};
use formrobot_engine::validate::registry::{EmptyRegistry, LookupError, Registry};
use serde_json::{json, Value};

/// The documentation's AS number request for a customer.
fn asn_for_customer() -> Value {
    json!({
        "requestType": "AsnAssignment",
        "contactPreferred": false,
        "contactPersonName": "Tom Smith",
        "contactPersonEmail": "tom.smith@example.org",
        "requestContent": {
            "asnName": "RIPE-NCC-AS",
            "adminc": "my-admin-c",
            "techc": "my-tech-c",
            "mntBy": "my-mnt-by",
            "mntRoutes": "my-mnt-routes",
            "country": "NL",
            "currentAsns": ["AS111", "AS222"],
            "peeringPartners": [
                {"asn": "AS333", "email": "partner-1@domain.com", "import": "from AS333 accept ANY", "export": "to AS333 announce ASNEW"},
                {"asn": "AS444", "email": "partner-2@domain.com", "advancedRoutingPolicy": "from AS444 accept ANY"}
            ],
            "addressPrefix": "22",
            "onBehalfOfCustomer": true,
            "customer": {
                "organisation": "ORG-customer-RIPE",
                "organisationName": "customer-org-name",
                "adminc": "customer-admin-c",
                "techc": "customer-tech-c",
                "mntBy": "customer-mnt-by",
                "mntRoutes": "customer-mnt-routes",
                "website": "http://www.name.org"
            },
            "attachments": [
                {"fileName": "contract.pdf", "content": "ZHVtbXkgY29udHJhY3Q="},
                {"fileName": "agreement.pdf", "content": "ZHVtbXkgY29udHJhY3Q="}
            ]
        }
    })
}

/// The documentation's minimal AS number request.
fn asn_minimal() -> Value {
    json!({
        "requestType": "AsnAssignment",
        "contactPreferred": false,
        "contactPersonName": "Tom Smith",
        "contactPersonEmail": "tom.smith@example.org",
        "requestContent": {
            "asnName": "RIPE-NCC-AS",
            "adminc": "my-admin-c",
            "techc": "my-tech-c",
            "mntBy": "my-mnt-by",
            "mntRoutes": "my-mnt-routes",
            "country": "NL",
            "currentAsns": [],
            "peeringPartners": [
                {"asn": "AS333", "email": "partner-1@domain.com", "import": "from AS333 accept ANY", "export": "to AS333 announce ASNEW"},
                {"asn": "AS444", "email": "partner-2@domain.com", "import": "from AS444 accept ANY", "export": "to AS444 announce ASNEW"}
            ],
            "addressPrefix": "22",
            "onBehalfOfCustomer": false,
            "attachments": []
        }
    })
}

fn errors(kind: RequestType, body: &Value, policy: &Policy) -> Vec<ApiError> {
    match validate(kind, body, policy, &EmptyRegistry) {
        Ok(request) => panic!("accepted: {request:?}"),
        Err(Rejection::Invalid(errors)) => errors,
        Err(Rejection::Lookup(error)) => panic!("lookup failed: {error}"),
    }
}

fn has(errors: &[ApiError], path: &str, words: &str) -> bool {
    errors.iter().any(|e| e.path == path && e.msg.contains(words))
}

#[test]
fn the_documented_asn_examples_are_taken_and_serialise_back_to_the_same_payload() {
    for body in [asn_for_customer(), asn_minimal()] {
        let request = validate(RequestType::AsnAssignment, &body, &Policy::default(), &EmptyRegistry)
            .unwrap_or_else(|rejection| panic!("{rejection:?}"));
        assert_eq!(request.recipients(), ["tom.smith@example.org"]);
        // Stored as JSON, the request is the payload again (what `forward` sends on).
        let mut again = serde_json::to_value(&request).expect("serialises");
        let mut sent = body.clone();
        // Values are kept as sent; only "attachments": [] and defaults may differ in presence.
        for value in [&mut again, &mut sent] {
            value["requestContent"].as_object_mut().expect("object").remove("attachments");
        }
        assert_eq!(again, sent);
    }
}

#[test]
fn the_documented_invalid_example_gets_every_error_with_its_path() {
    let mut body = asn_minimal();
    body["requestContent"]["asnName"] = json!("as-123-!");
    body.as_object_mut().expect("object").remove("contactPersonName");
    let found = errors(RequestType::AsnAssignment, &body, &Policy::default());
    assert!(has(&found, "obj", "The contactPersonName is required"), "{found:?}");
    assert!(has(&found, "requestContent.asnName", "as-123-!"), "{found:?}");
    assert_eq!(found.len(), 2, "{found:?}");
}

#[test]
fn broken_payloads_are_refused_with_every_problem_at_once() {
    let mut body = asn_minimal();
    let content = &mut body["requestContent"];
    content["country"] = json!("XX");
    content["currentAsns"] = json!(["AS111", "ASX", 7]);
    content["peeringPartners"] = json!([
        {"asn": "AS333", "email": "partner-1@domain", "import": "from AS333 accept", "export": "to AS333 announce ASNEW"},
        {"asn": "AS333", "email": "partner-2@domain.com"},
        {"asn": "as555", "email": "p3@example.net", "import": "from AS666 accept ANY", "export": "to AS555 announce ASNEW", "colour": "red"}
    ]);
    content["addressPrefix"] = json!("abc");
    content["onBehalfOfCustomer"] = json!(true);
    body["contactPersonEmail"] = json!("tom");
    body["requestType"] = json!("Ipv4FirstAllocation");
    let found = errors(RequestType::AsnAssignment, &body, &Policy::default());
    let expected = [
        ("requestType", "send it to /api/external/v1/request/ipv4/allocation"),
        ("contactPersonEmail", "tom"),
        ("requestContent", "The customer is required"),
        ("requestContent.country", "XX"),
        ("requestContent.currentAsns[1]", "ASX"),
        ("requestContent.currentAsns[2]", "must be a string"),
        ("requestContent.peeringPartners[0].email", "partner-1@domain"),
        ("requestContent.peeringPartners[0].import", "column"),
        ("requestContent.peeringPartners[1].asn", "already partner 0"),
        ("requestContent.peeringPartners[1]", "The import is required"),
        ("requestContent.peeringPartners[1]", "The export is required"),
        ("requestContent.peeringPartners[2].import", "names AS666, not this partner's AS555"),
        ("requestContent.peeringPartners[2].colour", "not a field of a peering partner"),
        ("requestContent.addressPrefix", "whole number"),
        ("requestContent.attachments", "at least one attachment"),
    ];
    for (path, words) in expected {
        assert!(has(&found, path, words), "no error at {path} saying {words:?} in {found:#?}");
    }
    assert_eq!(found.len(), expected.len(), "{found:#?}");
}

#[test]
fn shapes_that_are_not_requests_are_refused_not_panicked_on() {
    for body in [json!(null), json!([]), json!("AsnAssignment"), json!(7), json!({"requestContent": []})] {
        let found = errors(RequestType::AsnAssignment, &body, &Policy::default());
        assert!(!found.is_empty());
        assert!(found.iter().all(|e| e.path == "obj" || e.path.starts_with("requestContent")), "{found:?}");
    }
}

#[test]
fn one_partner_is_not_enough_and_the_policy_is_the_registrys() {
    let mut body = asn_minimal();
    body["requestContent"]["peeringPartners"].as_array_mut().expect("array").pop();
    let found = errors(RequestType::AsnAssignment, &body, &Policy::default());
    assert!(has(&found, "requestContent.peeringPartners", "at least 2 peering partners"), "{found:?}");

    let policy = Policy {
        min_neighbours: 1,
        required_mnt_by: Some("SERVPERSO-MNT".into()),
        service_region: vec!["FR".into(), "BE".into()],
    };
    let found = errors(RequestType::AsnAssignment, &body, &policy);
    assert!(has(&found, "requestContent.mntBy", "SERVPERSO-MNT"), "{found:?}");
    assert!(has(&found, "requestContent.country", "NL is outside the region"), "{found:?}");
    assert_eq!(found.len(), 2, "{found:?}");
}

/// A registry holding one handle and one maintainer.
struct Holding;

impl Registry for Holding {
    fn is_loaded(&self) -> Result<bool, LookupError> {
        Ok(true)
    }
    fn handle_owner(&self, handle: &str) -> Result<Option<String>, LookupError> {
        Ok((handle == "TS1-RIPE").then(|| "TOM SMITH".to_owned()))
    }
    fn has_maintainer(&self, name: &str) -> Result<bool, LookupError> {
        Ok(name == "EXAMPLE-MNT")
    }
}

#[test]
fn references_are_looked_up_once_the_registry_holds_objects() {
    let mut body = asn_minimal();
    body["requestContent"]["adminc"] = json!("TS1-RIPE");
    body["requestContent"]["mntBy"] = json!("example-mnt");
    let found = match validate(RequestType::AsnAssignment, &body, &Policy::default(), &Holding) {
        Err(Rejection::Invalid(found)) => found,
        other => panic!("{other:?}"),
    };
    assert!(has(&found, "requestContent.techc", "my-tech-c"), "{found:?}");
    assert!(has(&found, "requestContent.mntRoutes", "my-mnt-routes"), "{found:?}");
    assert_eq!(found.len(), 2, "{found:?}");
}

#[test]
fn the_other_three_request_types_follow_their_documentation() {
    let generic = |kind: &str, content: Value| {
        json!({"requestType": kind, "contactPreferred": false, "contactPersonName": "Tom Smith",
               "contactPersonEmail": "tom.smith@example.org", "requestContent": content})
    };
    let v4 = generic(
        "Ipv4FirstAllocation",
        json!({"prefixLength": 22, "adminc": "my-admin-c", "techc": "my-tech-c",
               "mntRoutes": "my-mnt-routes", "mntLower": "my-mnt-lower", "country": "NL"}),
    );
    assert!(validate(RequestType::Ipv4FirstAllocation, &v4, &Policy::default(), &EmptyRegistry).is_ok());
    let mut v4_wrong = v4.clone();
    v4_wrong["requestContent"]["prefixLength"] = json!(21);
    assert!(has(
        &errors(RequestType::Ipv4FirstAllocation, &v4_wrong, &Policy::default()),
        "requestContent.prefixLength",
        "/22"
    ));

    let mut v6 = v4.clone();
    v6["requestType"] = json!("Ipv6FirstAllocation");
    v6["requestContent"]["prefixLength"] = json!(32);
    assert!(validate(RequestType::Ipv6FirstAllocation, &v6, &Policy::default(), &EmptyRegistry).is_ok());

    let pi = generic(
        "Ipv6PIAssignment",
        json!({"prefixLength": 32, "adminc": "my-admin-c", "techc": "my-tech-c", "mntBy": "my-mnt-by", "country": "NL",
               "providerIndependentRationale": ["I want to be provider independant"],
               "addressingPlans": [{"prefixLength": 32, "period": "1 Year", "purpose": "IP range to migrate away from Provider"}],
               "onBehalfOfCustomer": false}),
    );
    assert!(validate(RequestType::Ipv6PiAssignment, &pi, &Policy::default(), &EmptyRegistry).is_ok());
    let mut pi_customer = pi.clone();
    pi_customer["requestContent"]["onBehalfOfCustomer"] = json!(true);
    let found = errors(RequestType::Ipv6PiAssignment, &pi_customer, &Policy::default());
    for field in ["customerOrganisation", "customerOrganisationName", "customerWebsite", "additionalComments"] {
        assert!(has(&found, "requestContent", &format!("The {field} is required")), "{found:?}");
    }
    assert!(has(&found, "requestContent.attachments", "at least one attachment"), "{found:?}");
}
