//! Between a request and registry objects, both ways.
//!
//! [`render`]: what a validated request will create, as RPSL objects in the
//! RIPE dialect, which is how its ticket shows it to hostmasters and what
//! approval completes and registers (the aut-num's `NEW` becomes the
//! assigned number, as in a mailed form).
//!
//! [`asn_request_from_objects`]: the other way, for a sponsoring LIR that
//! passes a request it took by mail on to its registry's API: the accepted
//! objects of a ticket become the API's `AsnAssignment` payload.

use crate::request::{AsnAssignment, PeeringPartner, RequestContent, RequestType, ResourceRequest};
use formrobot_engine::date::Date;
use formrobot_engine::extract::Line;
use formrobot_engine::parse::{parse_rpsl_object, Object, ObjectKind};
use formrobot_engine::policy::{self, PolicyKind};
use std::fmt::Write as _;

/// One object to create: its class and its RPSL text.
pub type ObjectText = (String, String);

/// The column where values start, as in the registry's own dumps.
const COLUMN: usize = 16;

/// Builds one RPSL object, attribute by attribute.
struct Builder {
    text: String,
}

impl Builder {
    fn new(class: &str, key: &str) -> Builder {
        let mut builder = Builder { text: String::new() };
        builder.add(class, key);
        builder
    }

    /// Adds `name: value`; a value over several lines continues with `+` lines.
    fn add(&mut self, name: &str, value: &str) {
        let mut lines = value.lines().map(str::trim).filter(|line| !line.is_empty());
        let first = lines.next().unwrap_or("");
        let label = format!("{name}:");
        let _ = writeln!(self.text, "{label:<COLUMN$}{first}");
        for more in lines {
            let _ = writeln!(self.text, "{:<COLUMN$}{more}", "+");
        }
    }

    fn add_opt(&mut self, name: &str, value: Option<&str>) {
        if let Some(value) = value.filter(|v| !v.trim().is_empty()) {
            self.add(name, value);
        }
    }

    fn done(self) -> String {
        self.text
    }
}

/// The objects `request` will create, `(class, text)`: for an AS number an
/// `aut-num: NEW` with one import and export per peering partner; for
/// address space an `inetnum`/`inet6num` whose range the hostmaster chooses.
/// `today` dates the `changed:` line.
pub fn render(request: &ResourceRequest, today: Date, source: &str) -> Vec<ObjectText> {
    let changed = format!("{} {:04}{:02}{:02}", request.contact_person_email, today.year, today.month, today.day);
    let mut object = match &request.request_content {
        RequestContent::Asn(asn) => {
            let mut object = Builder::new("aut-num", "NEW");
            object.add("as-name", &asn.asn_name);
            let holder = asn.customer.as_ref().map_or(request.contact_person_name.as_str(), |c| &c.organisation_name);
            object.add("descr", holder);
            for partner in &asn.peering_partners {
                object.add_opt("import", partner.import.as_deref());
                object.add_opt("export", partner.export.as_deref());
                if let Some(policy) = &partner.advanced_routing_policy {
                    object.add("remarks", &format!("routing policy with {}: {policy}", partner.asn));
                }
            }
            object.add("remarks", &format!("country: {}", asn.country));
            object.add("remarks", &format!("announces a /{}", asn.address_prefix));
            if let Some(customer) = &asn.customer {
                object.add("remarks", &format!("for the customer {} ({})", customer.organisation, customer.website));
            }
            object.add("admin-c", &asn.adminc);
            object.add("tech-c", &asn.techc);
            object.add("mnt-by", &asn.mnt_by);
            object.add("mnt-routes", &asn.mnt_routes);
            object
        }
        RequestContent::FirstAllocation(allocation) => {
            let (class, status) = match request.request_type {
                RequestType::Ipv4FirstAllocation => ("inetnum", "ALLOCATED PA"),
                _ => ("inet6num", "ALLOCATED-BY-RIR"),
            };
            let mut object = Builder::new(class, &format!("NEW/{}", allocation.prefix_length));
            object.add("country", &allocation.country);
            object.add("admin-c", &allocation.adminc);
            object.add("tech-c", &allocation.techc);
            object.add("status", status);
            object.add("mnt-lower", &allocation.mnt_lower);
            object.add("mnt-routes", &allocation.mnt_routes);
            object
        }
        RequestContent::Ipv6Pi(pi) => {
            let mut object = Builder::new("inet6num", &format!("NEW/{}", pi.prefix_length));
            object.add("country", &pi.country);
            object.add("admin-c", &pi.adminc);
            object.add("tech-c", &pi.techc);
            object.add("status", "ASSIGNED PI");
            object.add("mnt-by", &pi.mnt_by);
            for reason in &pi.provider_independent_rationale {
                object.add("remarks", &format!("why PI: {reason}"));
            }
            object.add_opt("remarks", pi.additional_provider_independent_rationale.as_deref());
            for plan in &pi.addressing_plans {
                object.add(
                    "remarks",
                    &format!("plan: a /{} within {}: {}", plan.prefix_length, plan.period, plan.purpose),
                );
            }
            if let Some(organisation) = &pi.customer_organisation {
                object.add("remarks", &format!("for the customer {organisation}"));
            }
            object.add_opt("remarks", pi.additional_comments.as_deref());
            object
        }
    };
    object.add("changed", &changed);
    object.add("source", source);
    let class = match &request.request_content {
        RequestContent::Asn(_) => "aut-num",
        RequestContent::FirstAllocation(_) if request.request_type == RequestType::Ipv4FirstAllocation => "inetnum",
        _ => "inet6num",
    };
    vec![(class.to_owned(), object.done())]
}

/// What a mailed request does not say but the API needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defaults {
    /// The country, when no object of the request names one.
    pub country: Option<String>,
    /// The prefix length the AS will announce.
    pub address_prefix: String,
}

/// Why a ticket's objects make no `AsnAssignment`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConversionError {
    /// The request holds no aut-num.
    #[error("the request holds no aut-num object")]
    NoAutNum,
    /// A field the API requires is missing from the objects.
    #[error("the aut-num has no {0}, which the API requires")]
    Missing(&'static str),
    /// No country: the objects name none and none is configured.
    #[error("no object of the request names a country; set [upstream_api] country")]
    NoCountry,
}

/// The accepted objects of a mailed AS number request (texts as stored,
/// real handles in place) as the API's `AsnAssignment` payload: as-name,
/// contacts and maintainers from the aut-num, one peering partner per
/// neighbour with its RPSL import and export (a RIPE-181 `as-in`/`as-out`
/// or an RPSLng rule goes as that partner's `advancedRoutingPolicy`). The
/// partners' e-mail is the requester's: a mailed form names no contact at
/// the neighbours, and the requester answers for the policy they gave.
pub fn asn_request_from_objects(
    objects: &[ObjectText],
    contact_name: &str,
    contact_email: &str,
    defaults: &Defaults,
) -> Result<ResourceRequest, ConversionError> {
    let parsed: Vec<Object> = objects.iter().filter_map(|(_, text)| parse_text(text)).collect();
    let aut_num = parsed.iter().find(|object| class_of(object) == Some("aut-num")).ok_or(ConversionError::NoAutNum)?;
    let value = |name: &str| aut_num.first(name).map(|a| a.joined().text().trim().to_owned()).filter(|v| !v.is_empty());
    let required = |name: &'static str| value(name).ok_or(ConversionError::Missing(name));
    let country = parsed
        .iter()
        .find_map(|object| object.first("country").map(|a| a.joined().text().trim().to_ascii_uppercase()))
        .filter(|c| !c.is_empty())
        .or_else(|| defaults.country.clone())
        .ok_or(ConversionError::NoCountry)?;

    let mut partners: Vec<PeeringPartner> = Vec::new();
    for attribute in &aut_num.attributes {
        let text = attribute.joined().text().trim();
        let (kind, direction) = match attribute.name.as_str() {
            "import" => (PolicyKind::Import, Some(true)),
            "export" => (PolicyKind::Export, Some(false)),
            "as-in" => (PolicyKind::AsIn, None),
            "as-out" => (PolicyKind::AsOut, None),
            "mp-import" => (PolicyKind::MpImport, None),
            "mp-export" => (PolicyKind::MpExport, None),
            _ => continue,
        };
        let Ok(rule) = policy::parse(kind, text) else { continue };
        for neighbour in rule.neighbour_ases().into_iter().map(|asn| format!("AS{asn}")) {
            let index = match partners.iter().position(|p| p.asn == neighbour) {
                Some(index) => index,
                None => {
                    partners.push(PeeringPartner {
                        asn: neighbour.clone(),
                        email: contact_email.to_owned(),
                        import: None,
                        export: None,
                        advanced_routing_policy: None,
                    });
                    partners.len() - 1
                }
            };
            let partner = &mut partners[index];
            let slot = match direction {
                Some(true) if partner.import.is_none() => &mut partner.import,
                Some(false) if partner.export.is_none() => &mut partner.export,
                _ => &mut partner.advanced_routing_policy,
            };
            let line = format!("{}: {text}", attribute.name.as_str());
            *slot = Some(match (slot.take(), direction) {
                (None, Some(_)) => text.to_owned(),
                (None, None) => line,
                (Some(before), _) => format!("{before}; {line}"),
            });
        }
    }
    // The API takes either both rules or an advanced policy: a partner with
    // one rule only gives it as its advanced policy.
    for partner in &mut partners {
        if partner.import.is_some() != partner.export.is_some() {
            let rules: Vec<String> = [
                partner.import.take().map(|r| format!("import: {r}")),
                partner.export.take().map(|r| format!("export: {r}")),
            ]
            .into_iter()
            .flatten()
            .chain(partner.advanced_routing_policy.take())
            .collect();
            partner.advanced_routing_policy = Some(rules.join("; "));
        }
    }

    let mnt_by = required("mnt-by")?;
    let content = AsnAssignment {
        asn_name: required("as-name")?,
        adminc: required("admin-c")?,
        techc: required("tech-c")?,
        mnt_routes: value("mnt-routes").unwrap_or_else(|| mnt_by.clone()),
        mnt_by,
        country,
        current_asns: Vec::new(),
        peering_partners: partners,
        address_prefix: defaults.address_prefix.clone(),
        on_behalf_of_customer: false,
        customer: None,
        attachments: Vec::new(),
    };
    Ok(ResourceRequest {
        request_type: RequestType::AsnAssignment,
        contact_preferred: false,
        contact_person_name: contact_name.to_owned(),
        contact_person_email: contact_email.to_owned(),
        contact_phone_number: None,
        additional_email_detail: None,
        request_content: RequestContent::Asn(content),
    })
}

/// The name of the first person among `objects`, who is taken as the contact.
pub fn first_person_name(objects: &[ObjectText]) -> Option<String> {
    objects
        .iter()
        .filter_map(|(_, text)| parse_text(text))
        .find(|object| class_of(object) == Some("person"))
        .and_then(|object| object.first("person").map(|a| a.joined().text().trim().to_owned()))
        .filter(|name| !name.is_empty())
}

fn parse_text(text: &str) -> Option<Object> {
    let lines: Vec<Line<'_>> = text.lines().enumerate().map(|(i, text)| Line { number: i + 1, text }).collect();
    parse_rpsl_object(&lines)
}

fn class_of(object: &Object) -> Option<&str> {
    match &object.kind {
        ObjectKind::Rpsl { class } => Some(class.as_str()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date() -> Date {
        Date { year: 2026, month: 12, day: 1 }
    }

    #[test]
    fn an_asn_request_renders_as_an_aut_num_and_comes_back() {
        let body = serde_json::json!({
            "requestType": "AsnAssignment", "contactPreferred": false,
            "contactPersonName": "Tom Smith", "contactPersonEmail": "tom@example.org",
            "requestContent": {
                "asnName": "EXAMPLE-AS", "adminc": "TS1-RIPE", "techc": "TS1-RIPE", "mntBy": "EX-MNT",
                "mntRoutes": "EX-MNT", "country": "NL", "currentAsns": [],
                "peeringPartners": [
                    {"asn": "AS333", "email": "a@example.net", "import": "from AS333 accept ANY", "export": "to AS333 announce ASNEW"},
                    {"asn": "AS444", "email": "b@example.net", "import": "from AS444 accept ANY", "export": "to AS444 announce ASNEW"}
                ],
                "addressPrefix": "22", "onBehalfOfCustomer": false, "attachments": []
            }
        });
        let request: ResourceRequest = serde_json::from_value(body).expect("a request");
        let objects = render(&request, date(), "RIPE");
        assert_eq!(objects.len(), 1);
        let (class, text) = &objects[0];
        assert_eq!(class, "aut-num");
        assert!(text.starts_with("aut-num:        NEW\nas-name:        EXAMPLE-AS\n"), "{text}");
        assert!(text.contains("import:         from AS333 accept ANY\nexport:         to AS333 announce ASNEW\n"));
        assert!(text.contains("changed:        tom@example.org 20261201\nsource:         RIPE\n"), "{text}");

        let defaults = Defaults { country: Some("NL".into()), address_prefix: "22".into() };
        let back = asn_request_from_objects(&objects, "Tom Smith", "tom@example.org", &defaults).expect("converts");
        let RequestContent::Asn(asn) = &back.request_content else { panic!("an ASN request") };
        assert_eq!(asn.asn_name, "EXAMPLE-AS");
        assert_eq!(asn.peering_partners.len(), 2);
        assert_eq!(asn.peering_partners[1].asn, "AS444");
        assert_eq!(asn.peering_partners[1].export.as_deref(), Some("to AS444 announce ASNEW"));
        assert_eq!(asn.peering_partners[1].email, "tom@example.org");
    }

    #[test]
    fn one_sided_and_ripe_181_rules_become_advanced_policies() {
        let text = "aut-num:        AS64500\nas-name:        X\nas-in:          AS1 100 ANY\nas-out:         AS1 ANY\nimport:         from AS2 accept ANY\nadmin-c:        A1-AP\ntech-c:         A1-AP\nmnt-by:         M-MNT\nsource:         APNIC\n";
        let objects = vec![("aut-num".to_owned(), text.to_owned())];
        let defaults = Defaults { country: None, address_prefix: "24".into() };
        assert_eq!(
            asn_request_from_objects(&objects, "X", "x@example.org", &defaults),
            Err(ConversionError::NoCountry)
        );
        let defaults = Defaults { country: Some("AU".into()), ..defaults };
        let request = asn_request_from_objects(&objects, "X", "x@example.org", &defaults).expect("converts");
        let RequestContent::Asn(asn) = &request.request_content else { panic!("an ASN request") };
        assert_eq!(asn.peering_partners[0].asn, "AS1");
        assert_eq!(
            asn.peering_partners[0].advanced_routing_policy.as_deref(),
            Some("as-in: AS1 100 ANY; as-out: AS1 ANY")
        );
        assert_eq!(asn.peering_partners[1].advanced_routing_policy.as_deref(), Some("import: from AS2 accept ANY"));
        assert_eq!(asn.mnt_routes, "M-MNT");
    }
}
