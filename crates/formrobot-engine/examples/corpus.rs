//! A deterministic corpus of valid RIPE-228 objects for the engine's speed benchmarks.
//!
//! `cargo run --release --example corpus -p formrobot-engine -- --seed 1 --bytes 11000000 > corpus.txt`
//! writes one submission of about that many bytes: aut-nums with `import`,
//! `export`, `mp-import` and `mp-export` policies (several on continuation
//! lines), persons and mntners in the proportions 10 : 7 : 3, every one valid,
//! so that `formrobot check` accepts the whole file. `--aut-nums N` writes
//! exactly N aut-nums (and their persons and mntners) instead of a size. The
//! same seed and size always give the same bytes: the generator uses its own
//! small random number generator (SplitMix64), not the platform's.
//!
//! The text has no "CUT HERE" lines, so that RPSL parsers that know nothing
//! of mail (the benchmark's peers) read exactly the same bytes; `formrobot
//! check` warns about the missing markers and accepts it.

#![allow(clippy::disallowed_methods)] // Outside the library: a command-line tool that writes to stdout.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

/// SplitMix64: tiny, fast and the same on every platform.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (bound > 0).
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const FIRST_NAMES: &[&str] = &["Jane", "John", "Ingrid", "Ola", "Kari", "Pierre", "Maria", "Ahmed", "Yuki", "Sven"];
const LAST_NAMES: &[&str] =
    &["Example", "Nordmann", "Hansen", "Dupont", "Garcia", "Berg", "Tanaka", "Larsen", "Olsen", "Smith"];
const CITIES: &[&str] = &["Oslo", "Bergen", "Paris", "Madrid", "Amsterdam", "Berlin", "Vienna", "Prague"];
const STREETS: &[&str] = &["Storgata", "Karl Johans gate", "Rue de Rivoli", "Gran Via", "Damrak", "Unter den Linden"];
const COUNTRIES: &[&str] = &["Norway", "France", "Spain", "Netherlands", "Germany", "Austria", "Czech Republic"];

/// What to write: a size in bytes, or a number of aut-nums.
enum Amount {
    Bytes(usize),
    AutNums(usize),
}

struct Options {
    seed: u64,
    amount: Amount,
}

fn parse_options() -> Result<Options, String> {
    let mut seed = 1;
    let mut amount = Amount::Bytes(1_000_000);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut number = |name: &str| -> Result<u64, String> {
            let text = args.next().ok_or_else(|| format!("{name} needs a number"))?;
            text.replace('_', "").parse().map_err(|_| format!("{name}: '{text}' is not a number"))
        };
        match flag.as_str() {
            "--seed" => seed = number("--seed")?,
            "--bytes" => amount = Amount::Bytes(number("--bytes")? as usize),
            "--aut-nums" => amount = Amount::AutNums(number("--aut-nums")? as usize),
            other => return Err(format!("unknown argument '{other}' (use --seed N and --bytes N or --aut-nums N)")),
        }
    }
    Ok(Options { seed, amount })
}

/// Writes objects in groups of 10 aut-nums, 7 persons and 3 mntners (interleaved) until the amount is reached.
struct Generator {
    random: Random,
    out: Vec<u8>,
    aut_nums: usize,
    persons: usize,
    mntners: usize,
}

impl Generator {
    fn line(&mut self, name: &str, value: &str) {
        let padding = 14usize.saturating_sub(name.len() + 1).max(1);
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(b':');
        self.out.extend(std::iter::repeat_n(b' ', padding));
        self.out.extend_from_slice(value.as_bytes());
        self.out.push(b'\n');
    }

    fn continuation(&mut self, value: &str) {
        self.out.extend_from_slice(b"              ");
        self.out.extend_from_slice(value.as_bytes());
        self.out.push(b'\n');
    }

    /// A handle made by the generator's persons: every reference points at one defined in the corpus.
    fn handle(person: usize) -> String {
        format!("EX{}-RIPE", person + 1)
    }

    fn mntner_name(mntner: usize) -> String {
        format!("EXAMPLE{}-MNT", mntner + 1)
    }

    fn neighbour(&mut self) -> u64 {
        // Private-use and documentation ranges, 16 and 32 bit.
        match self.random.below(3) {
            0 => 64_496 + self.random.below(16),
            1 => 64_512 + self.random.below(1_022),
            _ => 4_200_000_000 + self.random.below(94_967_294),
        }
    }

    fn aut_num(&mut self) {
        let number = self.aut_nums + 1;
        self.aut_nums += 1;
        let contact = Self::handle(self.random.below(self.persons.max(1) as u64) as usize);
        let mntner = Self::mntner_name(self.random.below(self.mntners.max(1) as u64) as usize);
        self.line("aut-num", &format!("NEW{number}"));
        self.line("as-name", &format!("EXAMPLE{number}-AS"));
        let city = self.random.pick(CITIES);
        let day = 1 + self.random.below(28);
        self.line("descr", &format!("Example Networks {number}"));
        self.continuation(city);
        // Two to four neighbours, each with an inbound and an outbound rule: multihomed.
        let wanted = 2 + self.random.below(3) as usize;
        let mut peers: Vec<u64> = Vec::with_capacity(wanted);
        while peers.len() < wanted {
            let peer = self.neighbour();
            if !peers.contains(&peer) {
                peers.push(peer);
            }
        }
        for (i, peer) in peers.iter().enumerate() {
            let pref = 100 + 10 * i;
            match (i + number) % 3 {
                0 => {
                    self.line("import", &format!("from AS{peer}"));
                    self.continuation(&format!("action pref={pref};"));
                    self.continuation(&format!("accept AS{peer}"));
                }
                1 => self.line("import", &format!("from AS{peer} action pref={pref}; accept ANY")),
                _ => {
                    self.line("mp-import", "afi ipv6.unicast");
                    self.continuation(&format!("from AS{peer} action pref={pref}; community.append(64496:{i});"));
                    self.continuation(&format!("accept {{2001:db8::/32^48-64}} AND NOT AS{peer}"));
                }
            }
            if (i + number).is_multiple_of(2) {
                self.line("export", &format!("to AS{peer}"));
                self.out.extend_from_slice(b"+             announce NEW\n");
            } else {
                self.line("mp-export", &format!("afi ipv4.unicast, ipv6.unicast to AS{peer} announce NEW"));
            }
        }
        self.line("remarks", &format!("Peering requests to noc{number}@example.net"));
        self.line("admin-c", &contact);
        self.line("tech-c", &contact);
        self.line("notify", &format!("noc{number}@example.net"));
        self.line("mnt-by", &mntner);
        self.line("changed", &format!("noc{number}@example.net 200110{day:02}"));
        self.line("source", "RIPE");
        self.out.push(b'\n');
    }

    fn person(&mut self) {
        let index = self.persons;
        self.persons += 1;
        let first = self.random.pick(FIRST_NAMES);
        let last = self.random.pick(LAST_NAMES);
        let street = self.random.pick(STREETS);
        let city = self.random.pick(CITIES);
        let country = self.random.pick(COUNTRIES);
        let email = format!("{}.{}{}@example.net", first.to_ascii_lowercase(), last.to_ascii_lowercase(), index + 1);
        self.line("person", &format!("{first} Q {last}"));
        let (house, postcode) = (1 + self.random.below(200), 1000 + self.random.below(9000));
        let (exchange, subscriber) = (self.random.below(1000), self.random.below(10_000));
        self.line("address", "Example Networks");
        self.continuation(&format!("{street} {house}"));
        self.continuation(&format!("{postcode:04} {city}"));
        self.continuation(country);
        self.line("phone", &format!("+47 22 {exchange:03} {subscriber:04}"));
        self.line("e-mail", &email);
        let handle = Self::handle(index);
        self.line("nic-hdl", &handle);
        self.line("changed", &format!("{email} 20011002"));
        self.line("source", "RIPE");
        self.out.push(b'\n');
    }

    fn mntner(&mut self) {
        let index = self.mntners;
        self.mntners += 1;
        let contact = Self::handle(self.random.below(self.persons.max(1) as u64) as usize);
        let name = Self::mntner_name(index);
        self.line("mntner", &name);
        self.line("descr", &format!("Example Networks maintainer {}", index + 1));
        self.line("admin-c", &contact);
        self.line("upd-to", &format!("dbadmin{}@example.net", index + 1));
        let salt: String = (0..2).map(|_| char::from(b'a' + self.random.below(26) as u8)).collect();
        let hash: String = (0..11).map(|_| char::from(b'A' + self.random.below(26) as u8)).collect();
        self.line("auth", &format!("CRYPT-PW {salt}{hash}"));
        self.line("mnt-by", &name);
        self.line("referral-by", "RIPE-DBM-MNT");
        self.line("changed", &format!("dbadmin{}@example.net 20011002", index + 1));
        self.line("source", "RIPE");
        self.out.push(b'\n');
    }

    /// One group: persons and mntners first, so that every reference points backwards.
    fn group(&mut self) {
        for _ in 0..7 {
            self.person();
        }
        for _ in 0..3 {
            self.mntner();
        }
        for _ in 0..10 {
            self.aut_num();
        }
    }
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("corpus: {message}");
            return ExitCode::from(2);
        }
    };
    let mut generator =
        Generator { random: Random(options.seed), out: Vec::new(), aut_nums: 0, persons: 0, mntners: 0 };
    match options.amount {
        Amount::Bytes(bytes) => {
            while generator.out.len() < bytes {
                generator.group();
            }
        }
        Amount::AutNums(count) => {
            while generator.aut_nums < count {
                generator.group();
            }
        }
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if let Err(error) = out.write_all(&generator.out).and_then(|()| out.flush()) {
        eprintln!("corpus: cannot write: {error}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
