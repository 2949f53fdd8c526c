//! A validated resource request, typed. Serialised, it is the API's own
//! payload again (field names as the API documents them), which is how a
//! request is stored with its ticket and passed on to an upstream registry.

use serde::{Deserialize, Serialize};

/// The four kinds of request the API takes, each at its own endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestType {
    /// An AS number.
    AsnAssignment,
    /// A first IPv4 allocation (a /22).
    Ipv4FirstAllocation,
    /// A first IPv6 allocation.
    Ipv6FirstAllocation,
    /// An IPv6 provider-independent assignment.
    #[serde(rename = "Ipv6PIAssignment")]
    Ipv6PiAssignment,
}

/// Where each request type is POSTed, below the server's root.
pub const ENDPOINTS: [(&str, RequestType); 4] = [
    ("/api/external/v1/request/asn/assignment", RequestType::AsnAssignment),
    ("/api/external/v1/request/ipv4/allocation", RequestType::Ipv4FirstAllocation),
    ("/api/external/v1/request/ipv6/allocation", RequestType::Ipv6FirstAllocation),
    ("/api/external/v1/request/ipv6/pi-assignment", RequestType::Ipv6PiAssignment),
];

impl RequestType {
    /// The `requestType` value that names this type in a payload.
    pub fn name(self) -> &'static str {
        match self {
            RequestType::AsnAssignment => "AsnAssignment",
            RequestType::Ipv4FirstAllocation => "Ipv4FirstAllocation",
            RequestType::Ipv6FirstAllocation => "Ipv6FirstAllocation",
            RequestType::Ipv6PiAssignment => "Ipv6PIAssignment",
        }
    }

    /// The type a `requestType` value names.
    pub fn from_name(name: &str) -> Option<RequestType> {
        ENDPOINTS.iter().map(|(_, kind)| *kind).find(|kind| kind.name() == name)
    }

    /// The endpoint path this type is POSTed to.
    pub fn endpoint(self) -> &'static str {
        ENDPOINTS.iter().find(|(_, kind)| *kind == self).map_or("", |(path, _)| path)
    }
}

/// A whole request: who asks, and what for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRequest {
    /// Which kind of request.
    pub request_type: RequestType,
    /// Whether the person wants to be contacted.
    pub contact_preferred: bool,
    /// The contact person's name.
    pub contact_person_name: String,
    /// Where the acknowledgement and the decision are mailed.
    pub contact_person_email: String,
    /// The contact person's phone number, in international form.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub contact_phone_number: Option<String>,
    /// More addresses that get the notifications, comma-separated as sent.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub additional_email_detail: Option<String>,
    /// What is asked for.
    pub request_content: RequestContent,
}

impl ResourceRequest {
    /// Everyone who is mailed about the request: the contact, then each additional address.
    pub fn recipients(&self) -> Vec<String> {
        let mut all = vec![self.contact_person_email.clone()];
        if let Some(more) = &self.additional_email_detail {
            all.extend(split_addresses(more).map(str::to_owned));
        }
        all
    }
}

/// The addresses of a comma-separated list, trimmed, blanks skipped.
pub fn split_addresses(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').map(str::trim).filter(|address| !address.is_empty())
}

/// The part of a request that depends on its type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RequestContent {
    /// An AS number.
    Asn(AsnAssignment),
    /// A first IPv4 or IPv6 allocation.
    FirstAllocation(FirstAllocation),
    /// An IPv6 PI assignment.
    Ipv6Pi(Ipv6PiAssignment),
}

/// What an AS number request carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AsnAssignment {
    /// The AS's name.
    pub asn_name: String,
    /// The administrative contact's handle.
    pub adminc: String,
    /// The technical contact's handle.
    pub techc: String,
    /// The maintainer protecting the aut-num.
    pub mnt_by: String,
    /// The maintainer allowed to create route objects for it.
    pub mnt_routes: String,
    /// The ISO 3166 country code.
    pub country: String,
    /// The AS numbers the requester already holds.
    pub current_asns: Vec<String>,
    /// The neighbours, at least two.
    pub peering_partners: Vec<PeeringPartner>,
    /// The size of the address space the AS will announce, as a prefix length.
    pub address_prefix: String,
    /// Whether the request is for a customer of the LIR.
    pub on_behalf_of_customer: bool,
    /// The customer, when it is for one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub customer: Option<Customer>,
    /// Documents, such as the customer's contract.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// One neighbouring network of a requested AS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeeringPartner {
    /// The neighbour's AS number, `AS333`.
    pub asn: String,
    /// A contact address at the neighbour.
    pub email: String,
    /// The import rule, RPSL.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub import: Option<String>,
    /// The export rule, RPSL.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub export: Option<String>,
    /// A free-form policy instead of the two rules.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub advanced_routing_policy: Option<String>,
}

/// The customer an LIR asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    /// The customer's organisation id.
    pub organisation: String,
    /// The customer's organisation name.
    pub organisation_name: String,
    /// The customer's administrative contact.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub adminc: Option<String>,
    /// The customer's technical contact.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub techc: Option<String>,
    /// The customer's maintainer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub mnt_by: Option<String>,
    /// The customer's routes maintainer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub mnt_routes: Option<String>,
    /// The customer's web site.
    pub website: String,
}

/// A document sent with a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    /// Its file name.
    pub file_name: String,
    /// Its content, base64 as sent (checked to decode).
    pub content: String,
}

/// A first IPv4 or IPv6 allocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FirstAllocation {
    /// The prefix length asked for.
    pub prefix_length: u8,
    /// The administrative contact's handle.
    pub adminc: String,
    /// The technical contact's handle.
    pub techc: String,
    /// The routes maintainer.
    pub mnt_routes: String,
    /// The maintainer of objects below the allocation.
    pub mnt_lower: String,
    /// The ISO 3166 country code.
    pub country: String,
}

/// An IPv6 PI assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ipv6PiAssignment {
    /// The prefix length asked for.
    pub prefix_length: u8,
    /// The administrative contact's handle.
    pub adminc: String,
    /// The technical contact's handle.
    pub techc: String,
    /// The maintainer.
    pub mnt_by: String,
    /// The ISO 3166 country code.
    pub country: String,
    /// Why the space must be provider independent.
    #[serde(default)]
    pub provider_independent_rationale: Vec<String>,
    /// More on why.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub additional_provider_independent_rationale: Option<String>,
    /// How the space will be used over time, at least one plan.
    pub addressing_plans: Vec<AddressingPlan>,
    /// Whether the request is for a customer of the LIR.
    pub on_behalf_of_customer: bool,
    /// The customer's organisation id.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub customer_organisation: Option<String>,
    /// The customer's organisation name.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub customer_organisation_name: Option<String>,
    /// The customer's web site.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub customer_website: Option<String>,
    /// The customer's maintainer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub customer_mnt_by: Option<String>,
    /// The customer's administrative contact.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub customer_adminc: Option<String>,
    /// The customer's technical contact.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub customer_techc: Option<String>,
    /// Documents, such as the end user's agreement.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// What the space will be used for.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub additional_comments: Option<String>,
}

/// One step of an addressing plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressingPlan {
    /// The prefix length used by then.
    pub prefix_length: u8,
    /// When, such as `1 Year`.
    pub period: String,
    /// What for.
    pub purpose: String,
}
