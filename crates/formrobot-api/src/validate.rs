//! Validation of a request payload: presence and shape first, then content,
//! by the form engine's syntax classes, its RPSL policy parser and the
//! registry; every problem is collected, none stops the others.

use crate::json::{index_path, Object, Problems, ROOT};
use crate::request::{
    split_addresses, AddressingPlan, AsnAssignment, Attachment, Customer, FirstAllocation, Ipv6PiAssignment,
    PeeringPartner, RequestContent, RequestType, ResourceRequest,
};
use crate::ApiError;
use base64::Engine as _;
use formrobot_engine::date::Date;
use formrobot_engine::diagnostic::quote;
use formrobot_engine::dialect::Dialect;
use formrobot_engine::policy::{self, PolicyKind};
use formrobot_engine::syntax::{self, SyntaxClass, SyntaxContext};
use formrobot_engine::validate::registry::{LookupError, Registry};
use serde_json::Value;
use std::collections::HashMap;

/// The registry's policy for requests: the one mailed forms are held to.
pub use formrobot_engine::validate::registry_policy::RegistryPolicy as Policy;

/// Why a request was not taken.
#[derive(Debug)]
pub enum Rejection {
    /// The request has problems: every one of them.
    Invalid(Vec<ApiError>),
    /// The registry could not be asked: nobody's fault in the request.
    Lookup(LookupError),
}

/// Reads `body` as a request of type `kind` (the endpoint's), checking it
/// against `policy` and, when it holds objects, `registry`.
pub fn validate(
    kind: RequestType,
    body: &Value,
    policy: &Policy,
    registry: &dyn Registry,
) -> Result<ResourceRequest, Rejection> {
    let loaded = registry.is_loaded().map_err(Rejection::Lookup)?;
    let mut checker =
        Checker { problems: Problems::default(), policy, registry: loaded.then_some(registry), lookup: None };
    let request = checker.request(kind, body);
    if let Some(error) = checker.lookup.take() {
        return Err(Rejection::Lookup(error));
    }
    match request {
        Some(request) if checker.problems.is_empty() => Ok(request),
        _ => Err(Rejection::Invalid(checker.problems.into_vec())),
    }
}

/// The state of one validation.
struct Checker<'a> {
    problems: Problems,
    policy: &'a Policy,
    /// The registry, when it holds objects to check references against.
    registry: Option<&'a dyn Registry>,
    /// The first failed lookup: it ends the validation as a server error.
    lookup: Option<LookupError>,
}

/// Syntax checks here follow the RIPE rules, which the API's registry uses.
/// No class checked here compares with today's date, so none is passed in.
const CONTEXT: SyntaxContext = SyntaxContext { dialect: Dialect::Ripe, today: Date { year: 1970, month: 1, day: 1 } };

impl Checker<'_> {
    fn request(&mut self, kind: RequestType, body: &Value) -> Option<ResourceRequest> {
        let mut root = Object::new(body, ROOT, &mut self.problems)?;
        let problems = &mut self.problems;
        let request_type = root.required_str("requestType", problems);
        if let Some(name) = request_type.filter(|name| *name != kind.name()) {
            let shown = quote(name);
            let msg = match RequestType::from_name(name) {
                Some(other) => format!(
                    "is {shown}, but this endpoint takes {} requests; send it to {}",
                    kind.name(),
                    other.endpoint()
                ),
                None => format!("is {shown}, but this endpoint takes {} requests", kind.name()),
            };
            problems.add("requestType", msg);
        }
        // The documentation says both that this is required and that it may be left out: absent means no.
        let contact_preferred = root.optional_bool("contactPreferred", problems);
        let name = root.required_str("contactPersonName", problems);
        let email = root.required_str("contactPersonEmail", problems);
        let phone = root.optional_str("contactPhoneNumber", problems);
        let additional = root.optional_str("additionalEmailDetail", problems);
        let content = root.required_object("requestContent", problems);
        root.reject_unknown("a resource request", problems);

        self.syntax("contactPersonName", name, SyntaxClass::PersonName);
        self.syntax("contactPersonEmail", email, SyntaxClass::Email);
        self.syntax("contactPhoneNumber", phone, SyntaxClass::Phone);
        if let Some(list) = additional {
            for address in split_addresses(list) {
                self.syntax("additionalEmailDetail", Some(address), SyntaxClass::Email);
            }
        }
        let request_content = match kind {
            RequestType::AsnAssignment => self.asn(content?).map(RequestContent::Asn),
            RequestType::Ipv4FirstAllocation => {
                self.first_allocation(content?, 22..=22).map(RequestContent::FirstAllocation)
            }
            RequestType::Ipv6FirstAllocation => {
                self.first_allocation(content?, 16..=32).map(RequestContent::FirstAllocation)
            }
            RequestType::Ipv6PiAssignment => self.ipv6_pi(content?).map(RequestContent::Ipv6Pi),
        }?;
        Some(ResourceRequest {
            request_type: kind,
            contact_preferred,
            contact_person_name: name?.trim().to_owned(),
            contact_person_email: email?.trim().to_owned(),
            contact_phone_number: phone.map(|p| p.trim().to_owned()),
            additional_email_detail: additional.map(str::to_owned),
            request_content,
        })
    }

    fn asn(&mut self, mut content: Object<'_>) -> Option<AsnAssignment> {
        let problems = &mut self.problems;
        let asn_name = content.required_str("asnName", problems);
        let adminc = content.required_str("adminc", problems);
        let techc = content.required_str("techc", problems);
        let mnt_by = content.required_str("mntBy", problems);
        let mnt_routes = content.required_str("mntRoutes", problems);
        let country = content.required_str("country", problems);
        let current = content.required_array("currentAsns", problems);
        let partners = content.required_array("peeringPartners", problems);
        let prefix = content.required_number("addressPrefix", problems);
        let on_behalf = content.required_bool("onBehalfOfCustomer", problems);
        let customer = if on_behalf == Some(true) {
            content.required_object("customer", problems)
        } else {
            content.optional_object("customer", problems)
        };
        let attachments = content.optional_array("attachments", problems);
        content.reject_unknown("an AsnAssignment request", problems);

        let path = |field: &str| content.path_of(field);
        self.syntax(&path("asnName"), asn_name, SyntaxClass::AsName);
        self.contact(&path("adminc"), adminc);
        self.contact(&path("techc"), techc);
        self.maintainer(&path("mntBy"), mnt_by);
        self.required_maintainer(&path("mntBy"), mnt_by);
        self.maintainer(&path("mntRoutes"), mnt_routes);
        self.country(&path("country"), country);
        let current_asns = self.strings(&path("currentAsns"), current.unwrap_or_default(), |checker, at, value| {
            checker.as_number(at, value);
        });
        let peering_partners = self.partners(&path("peeringPartners"), partners.unwrap_or_default());
        if let Some(length) = prefix.filter(|length| !(8..=128).contains(length)) {
            self.problems.add(&path("addressPrefix"), format!("{length} is not a prefix length: use 8 to 128"));
        }
        let customer = customer.and_then(|customer| self.customer(customer));
        let attachments =
            self.attachments(&path("attachments"), attachments.unwrap_or_default(), on_behalf == Some(true));
        Some(AsnAssignment {
            asn_name: asn_name?.trim().to_owned(),
            adminc: adminc?.trim().to_owned(),
            techc: techc?.trim().to_owned(),
            mnt_by: mnt_by?.trim().to_owned(),
            mnt_routes: mnt_routes?.trim().to_owned(),
            country: country?.trim().to_ascii_uppercase(),
            current_asns: current_asns?,
            peering_partners: peering_partners?,
            address_prefix: prefix?.to_string(),
            on_behalf_of_customer: on_behalf?,
            customer,
            attachments: attachments?,
        })
    }

    fn partners(&mut self, path: &str, items: &[Value]) -> Option<Vec<PeeringPartner>> {
        if items.len() < self.policy.min_neighbours {
            self.problems.add(
                path,
                format!(
                    "an AS needs at least {} peering partners, each with its own AS number; {} given",
                    self.policy.min_neighbours,
                    items.len()
                ),
            );
        }
        let mut seen: HashMap<u32, usize> = HashMap::new();
        let mut partners = Some(Vec::with_capacity(items.len()));
        for (index, item) in items.iter().enumerate() {
            let at = index_path(path, index);
            let partner = self.partner(&at, item, index, &mut seen);
            match (partner, partners.as_mut()) {
                (Some(partner), Some(list)) => list.push(partner),
                _ => partners = None,
            }
        }
        partners
    }

    fn partner(
        &mut self,
        at: &str,
        item: &Value,
        index: usize,
        seen: &mut HashMap<u32, usize>,
    ) -> Option<PeeringPartner> {
        let mut object = Object::new(item, at, &mut self.problems)?;
        let problems = &mut self.problems;
        let asn = object.required_str("asn", problems);
        let email = object.required_str("email", problems);
        let import = object.optional_str("import", problems);
        let export = object.optional_str("export", problems);
        let advanced = object.optional_str("advancedRoutingPolicy", problems).filter(|text| !text.trim().is_empty());
        object.reject_unknown("a peering partner", problems);

        let number = asn.and_then(|asn| self.as_number(&object.path_of("asn"), asn));
        if let Some(number) = number {
            if let Some(first) = seen.insert(number, index) {
                self.problems.add(
                    &object.path_of("asn"),
                    format!("AS{number} is already partner {first}: each peering partner needs its own AS number"),
                );
            }
        }
        self.syntax(&object.path_of("email"), email, SyntaxClass::Email);
        if advanced.is_none() {
            for (field, text) in [("import", import), ("export", export)] {
                if text.is_none() {
                    self.problems.add(at, format!("The {field} is required, unless an advancedRoutingPolicy is given"));
                }
            }
        }
        self.rule(&object.path_of("import"), import, PolicyKind::Import, number);
        self.rule(&object.path_of("export"), export, PolicyKind::Export, number);
        Some(PeeringPartner {
            asn: format!("AS{}", number?),
            email: email?.trim().to_owned(),
            import: import.map(|text| text.trim().to_owned()),
            export: export.map(|text| text.trim().to_owned()),
            advanced_routing_policy: advanced.map(|text| text.trim().to_owned()),
        })
    }

    /// Parses an import or export rule, which must name the partner it belongs to.
    fn rule(&mut self, at: &str, text: Option<&str>, kind: PolicyKind, partner: Option<u32>) {
        let Some(text) = text else { return };
        match policy::parse(kind, text) {
            Ok(parsed) => {
                let Some(partner) = partner else { return };
                let names = parsed.neighbours();
                let own = format!("AS{partner}");
                if !names.contains(&own) {
                    let named = if names.is_empty() { "no AS".to_owned() } else { names.join(", ") };
                    self.problems.add(at, format!("names {named}, not this partner's {own}"));
                }
            }
            Err(error) => {
                let column = text[..error.offset.min(text.len())].chars().count() + 1;
                self.problems.add(at, format!("column {column}: {}", error.message));
            }
        }
    }

    fn customer(&mut self, mut customer: Object<'_>) -> Option<Customer> {
        let problems = &mut self.problems;
        let organisation = customer.required_str("organisation", problems);
        let organisation_name = customer.required_str("organisationName", problems);
        let adminc = customer.optional_str("adminc", problems);
        let techc = customer.optional_str("techc", problems);
        let mnt_by = customer.optional_str("mntBy", problems);
        let mnt_routes = customer.optional_str("mntRoutes", problems);
        let website = customer.required_str("website", problems);
        customer.reject_unknown("a customer", problems);

        self.organisation(&customer.path_of("organisation"), organisation);
        self.contact(&customer.path_of("adminc"), adminc);
        self.contact(&customer.path_of("techc"), techc);
        self.maintainer(&customer.path_of("mntBy"), mnt_by);
        self.maintainer(&customer.path_of("mntRoutes"), mnt_routes);
        self.website(&customer.path_of("website"), website);
        let owned = |value: Option<&str>| value.map(|v| v.trim().to_owned());
        Some(Customer {
            organisation: organisation?.trim().to_owned(),
            organisation_name: organisation_name?.trim().to_owned(),
            adminc: owned(adminc),
            techc: owned(techc),
            mnt_by: owned(mnt_by),
            mnt_routes: owned(mnt_routes),
            website: website?.trim().to_owned(),
        })
    }

    fn first_allocation(
        &mut self,
        mut content: Object<'_>,
        lengths: std::ops::RangeInclusive<u64>,
    ) -> Option<FirstAllocation> {
        let problems = &mut self.problems;
        let prefix = content.required_number("prefixLength", problems);
        let adminc = content.required_str("adminc", problems);
        let techc = content.required_str("techc", problems);
        let mnt_routes = content.required_str("mntRoutes", problems);
        let mnt_lower = content.required_str("mntLower", problems);
        let country = content.required_str("country", problems);
        content.reject_unknown("a first allocation request", problems);

        let prefix = self.prefix_length(&content.path_of("prefixLength"), prefix, lengths);
        self.contact(&content.path_of("adminc"), adminc);
        self.contact(&content.path_of("techc"), techc);
        self.maintainer(&content.path_of("mntRoutes"), mnt_routes);
        self.maintainer(&content.path_of("mntLower"), mnt_lower);
        self.country(&content.path_of("country"), country);
        Some(FirstAllocation {
            prefix_length: prefix?,
            adminc: adminc?.trim().to_owned(),
            techc: techc?.trim().to_owned(),
            mnt_routes: mnt_routes?.trim().to_owned(),
            mnt_lower: mnt_lower?.trim().to_owned(),
            country: country?.trim().to_ascii_uppercase(),
        })
    }

    fn ipv6_pi(&mut self, mut content: Object<'_>) -> Option<Ipv6PiAssignment> {
        let problems = &mut self.problems;
        let prefix = content.required_number("prefixLength", problems);
        let adminc = content.required_str("adminc", problems);
        let techc = content.required_str("techc", problems);
        let mnt_by = content.required_str("mntBy", problems);
        let country = content.required_str("country", problems);
        let rationale = content.required_array("providerIndependentRationale", problems);
        let more_rationale = content.optional_str("additionalProviderIndependentRationale", problems);
        let plans = content.required_array("addressingPlans", problems);
        let on_behalf = content.required_bool("onBehalfOfCustomer", problems);
        let for_customer = on_behalf == Some(true);
        let (organisation, organisation_name, website, comments) = if for_customer {
            (
                content.required_str("customerOrganisation", problems),
                content.required_str("customerOrganisationName", problems),
                content.required_str("customerWebsite", problems),
                content.required_str("additionalComments", problems),
            )
        } else {
            (
                content.optional_str("customerOrganisation", problems),
                content.optional_str("customerOrganisationName", problems),
                content.optional_str("customerWebsite", problems),
                content.optional_str("additionalComments", problems),
            )
        };
        let customer_mnt_by = content.optional_str("customerMntBy", problems);
        let customer_adminc = content.optional_str("customerAdminc", problems);
        let customer_techc = content.optional_str("customerTechc", problems);
        let attachments = content.optional_array("attachments", problems);
        content.reject_unknown("an Ipv6PIAssignment request", problems);

        let path = |field: &str| content.path_of(field);
        let prefix = self.prefix_length(&path("prefixLength"), prefix, 16..=48);
        self.contact(&path("adminc"), adminc);
        self.contact(&path("techc"), techc);
        self.maintainer(&path("mntBy"), mnt_by);
        self.country(&path("country"), country);
        let rationale = rationale.unwrap_or_default();
        if rationale.is_empty() {
            self.problems.add(&path("providerIndependentRationale"), "give at least one reason for PI space");
        }
        let rationale = self.strings(&path("providerIndependentRationale"), rationale, |_, _, _| ());
        let plans = plans.unwrap_or_default();
        if plans.is_empty() {
            self.problems.add(&path("addressingPlans"), "give at least one addressing plan");
        }
        let plans: Option<Vec<AddressingPlan>> = plans
            .iter()
            .enumerate()
            .map(|(index, plan)| self.addressing_plan(&index_path(&path("addressingPlans"), index), plan))
            .collect::<Vec<_>>()
            .into_iter()
            .collect();
        self.organisation(&path("customerOrganisation"), organisation);
        self.website(&path("customerWebsite"), website);
        self.maintainer(&path("customerMntBy"), customer_mnt_by);
        self.contact(&path("customerAdminc"), customer_adminc);
        self.contact(&path("customerTechc"), customer_techc);
        let attachments = self.attachments(&path("attachments"), attachments.unwrap_or_default(), for_customer);
        let owned = |value: Option<&str>| value.map(|v| v.trim().to_owned());
        Some(Ipv6PiAssignment {
            prefix_length: prefix?,
            adminc: adminc?.trim().to_owned(),
            techc: techc?.trim().to_owned(),
            mnt_by: mnt_by?.trim().to_owned(),
            country: country?.trim().to_ascii_uppercase(),
            provider_independent_rationale: rationale?,
            additional_provider_independent_rationale: owned(more_rationale),
            addressing_plans: plans?,
            on_behalf_of_customer: on_behalf?,
            customer_organisation: owned(organisation),
            customer_organisation_name: owned(organisation_name),
            customer_website: owned(website),
            customer_mnt_by: owned(customer_mnt_by),
            customer_adminc: owned(customer_adminc),
            customer_techc: owned(customer_techc),
            attachments: attachments?,
            additional_comments: owned(comments),
        })
    }

    fn addressing_plan(&mut self, at: &str, plan: &Value) -> Option<AddressingPlan> {
        let mut object = Object::new(plan, at, &mut self.problems)?;
        let problems = &mut self.problems;
        let prefix = object.required_number("prefixLength", problems);
        let period = object.required_str("period", problems);
        let purpose = object.required_str("purpose", problems);
        object.reject_unknown("an addressing plan", problems);
        let prefix = self.prefix_length(&object.path_of("prefixLength"), prefix, 16..=128);
        Some(AddressingPlan {
            prefix_length: prefix?,
            period: period?.trim().to_owned(),
            purpose: purpose?.trim().to_owned(),
        })
    }

    fn attachments(&mut self, path: &str, items: &[Value], needed: bool) -> Option<Vec<Attachment>> {
        if needed && items.is_empty() {
            self.problems.add(path, "a request for a customer needs at least one attachment, such as the contract");
        }
        let mut all = Some(Vec::with_capacity(items.len()));
        for (index, item) in items.iter().enumerate() {
            let at = index_path(path, index);
            let attachment = Object::new(item, &at, &mut self.problems).and_then(|mut object| {
                let file_name = object.required_str("fileName", &mut self.problems);
                let content = object.required_str("content", &mut self.problems);
                object.reject_unknown("an attachment", &mut self.problems);
                if let Some(content) = content {
                    let compact: String = content.split_whitespace().collect();
                    if base64::engine::general_purpose::STANDARD.decode(compact.as_bytes()).is_err() {
                        self.problems
                            .add(&object.path_of("content"), "is not base64: send the file's bytes base64-encoded");
                    }
                }
                Some(Attachment { file_name: file_name?.trim().to_owned(), content: content?.to_owned() })
            });
            match (attachment, all.as_mut()) {
                (Some(attachment), Some(list)) => list.push(attachment),
                _ => all = None,
            }
        }
        all
    }

    /// Each item of an array of strings, checked by `check`.
    fn strings(&mut self, path: &str, items: &[Value], check: impl Fn(&mut Self, &str, &str)) -> Option<Vec<String>> {
        let mut all = Some(Vec::with_capacity(items.len()));
        for (index, item) in items.iter().enumerate() {
            let at = index_path(path, index);
            match item {
                Value::String(text) => {
                    check(self, &at, text);
                    if let Some(list) = all.as_mut() {
                        list.push(text.trim().to_owned());
                    }
                }
                other => {
                    self.problems.add(&at, format!("must be a string, not {}", crate::json::kind(other)));
                    all = None;
                }
            }
        }
        all
    }

    fn syntax(&mut self, path: &str, value: Option<&str>, class: SyntaxClass) {
        if let Some(Err(error)) = value.map(|value| syntax::check(class, value, &CONTEXT)) {
            self.problems.add(path, error.message);
        }
    }

    fn as_number(&mut self, path: &str, value: &str) -> Option<u32> {
        syntax::as_number(value).map_err(|error| self.problems.add(path, error.message)).ok()
    }

    fn prefix_length(&mut self, path: &str, length: Option<u64>, allowed: std::ops::RangeInclusive<u64>) -> Option<u8> {
        let length = length?;
        if !allowed.contains(&length) {
            let range = if allowed.start() == allowed.end() {
                format!("/{}", allowed.start())
            } else {
                format!("/{} to /{}", allowed.start(), allowed.end())
            };
            self.problems.add(path, format!("/{length} cannot be asked for here: the prefix length must be {range}"));
            return None;
        }
        u8::try_from(length).ok()
    }

    fn country(&mut self, path: &str, country: Option<&str>) {
        self.syntax(path, country, SyntaxClass::Country);
        let Some(code) = country.map(|c| c.trim().to_ascii_uppercase()) else { return };
        let region = &self.policy.service_region;
        if !region.is_empty() && !region.iter().any(|served| served.eq_ignore_ascii_case(&code)) {
            self.problems
                .add(path, format!("{code} is outside the region this registry serves ({})", region.join(", ")));
        }
    }

    fn organisation(&mut self, path: &str, organisation: Option<&str>) {
        let Some(value) = organisation.map(str::trim) else { return };
        // The registry's own ids look like ORG-EA1-RIPE; the API's examples use other words, so only the prefix is firm.
        if !value.get(..4).is_some_and(|prefix| prefix.eq_ignore_ascii_case("ORG-"))
            || value.contains(char::is_whitespace)
        {
            self.problems.add(
                path,
                format!("{} is not an organisation id: it starts with ORG-, e.g. ORG-EA1-RIPE", quote(value)),
            );
        }
    }

    fn website(&mut self, path: &str, website: Option<&str>) {
        let Some(value) = website.map(str::trim) else { return };
        let host = value
            .strip_prefix("https://")
            .or_else(|| value.strip_prefix("http://"))
            .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default());
        let plausible = host.is_some_and(|host| {
            host.contains('.') && host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:".contains(&b))
        });
        if !plausible {
            self.problems
                .add(path, format!("{} is not a web address: write it as http://www.example.org", quote(value)));
        }
    }

    /// A person or role handle; when the registry holds objects, it must be there.
    fn contact(&mut self, path: &str, handle: Option<&str>) {
        let Some(handle) = handle.map(str::trim) else { return };
        if handle.contains(char::is_whitespace) {
            self.problems
                .add(path, format!("{} is not a NIC handle: a handle is one word, e.g. JD1-RIPE", quote(handle)));
            return;
        }
        let Some(registry) = self.registry else { return };
        match registry.handle_owner(&handle.to_ascii_uppercase()) {
            Ok(Some(_)) => {}
            Ok(None) => {
                self.problems.add(path, format!("no person or role with the handle {} is registered", quote(handle)))
            }
            Err(error) => self.lookup = self.lookup.take().or(Some(error)),
        }
    }

    /// A maintainer name; when the registry holds objects, it must be there.
    fn maintainer(&mut self, path: &str, name: Option<&str>) {
        let Some(name) = name.map(str::trim) else { return };
        if let Err(error) = syntax::check(SyntaxClass::MntnerName, name, &CONTEXT) {
            self.problems.add(path, error.message);
            return;
        }
        let Some(registry) = self.registry else { return };
        match registry.has_maintainer(&name.to_ascii_uppercase()) {
            Ok(true) => {}
            Ok(false) => self.problems.add(path, format!("no maintainer called {} is registered", quote(name))),
            Err(error) => self.lookup = self.lookup.take().or(Some(error)),
        }
    }

    /// The maintainer a sponsoring LIR puts on every AS it requests.
    fn required_maintainer(&mut self, path: &str, name: Option<&str>) {
        let (Some(required), Some(name)) = (&self.policy.required_mnt_by, name) else { return };
        if !name.trim().eq_ignore_ascii_case(required) {
            self.problems
                .add(path, format!("must be {required}: every AS requested through this registry is maintained by it"));
        }
    }
}
