//! Where `formrobot replay PATH...` gets its mails: single files, mbox files,
//! Maildirs and directory trees holding any of them.
//!
//! Mails are read lazily, one file at a time, so replaying a large archive
//! does not hold it all in memory. The order is stable (sorted by name) so
//! that two replays of the same tree process mails in the same order, which
//! matters because handles are numbered in processing order.
//!
//! A problem with one path is reported as an `Err` item and the reader goes
//! on with the next one: one unreadable file should not stop a replay.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// The line that starts each message of an mbox.
const SEPARATOR: &[u8] = b"From ";

/// One mail to replay, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcedMail {
    /// Where the mail came from, for messages and logs: the path of its file
    /// (as given or as found by walking a directory), with `#N` (from 1)
    /// appended for the N-th message of an mbox, e.g. `archive.mbox#3`.
    pub label: String,
    /// The raw mail, headers and body, as stored.
    pub bytes: Vec<u8>,
}

/// Reads mails from files, directories, Maildirs and mbox files, lazily, in a stable order.
///
/// - A path that is a file is taken whatever its name: each message if it is
///   an mbox (see [`is_mbox`]), else the whole file as one mail.
/// - A Maildir (a directory with `cur` and `new` subdirectories) gives the
///   files in `new/`, then those in `cur/`, each sorted by name; `tmp/` holds
///   mails still being delivered and is skipped.
/// - Any other directory is walked recursively in name order, taking files
///   whose name ends in `.eml` or `.mbox` (any case) and the Maildirs found
///   inside, and skipping hidden entries and everything else (goldens,
///   notes). Symbolic links to directories are not followed, so a link cycle
///   cannot make the walk endless.
///
/// Errors carry the path they concern and do not end the iteration.
#[derive(Debug)]
pub struct MailReader {
    /// Work still to do, the next item last, so that expanding a directory
    /// is pushing its entries in reverse.
    pending: Vec<Pending>,
}

/// One step of the reader's work.
#[derive(Debug)]
enum Pending {
    /// A path named by the caller: a file of any name, or a directory.
    Named(PathBuf),
    /// A directory walk in progress (walkdir), in name order.
    Walk(Box<Walk>),
    /// A file that holds one mail or an mbox.
    MailFile(PathBuf),
    /// A Maildir message: one mail per file, never an mbox.
    MaildirFile(PathBuf),
    /// An mbox being read, one message at a time.
    Mbox(Box<MboxStream>),
    /// A problem to report in its place in the order.
    Failed(io::Error),
}

/// A recursive walk of a directory that is not a Maildir: entries sorted by
/// name, hidden ones (and everything under them) left out, symbolic links not
/// followed.
type Walk = walkdir::FilterEntry<walkdir::IntoIter, fn(&walkdir::DirEntry) -> bool>;

impl MailReader {
    /// Creates a reader over `paths`, in the order given. Nothing is read
    /// until the first call to `next`.
    pub fn new(paths: &[PathBuf]) -> MailReader {
        let pending = paths.iter().rev().cloned().map(Pending::Named).collect();
        MailReader { pending }
    }

    /// Queues `items` so that they come next, in their order.
    fn push_front(&mut self, items: Vec<Pending>) {
        self.pending.extend(items.into_iter().rev());
    }

    /// Does one step of work, giving a mail or an error if the step produced
    /// one for the caller.
    fn step(&mut self, item: Pending) -> Option<io::Result<SourcedMail>> {
        match item {
            Pending::Named(path) => self.push_front(named(path)),
            Pending::Walk(walk) => return self.walk_step(walk),
            Pending::MailFile(path) => return self.mail_file(&path),
            Pending::MaildirFile(path) => return Some(read(&path).map(|bytes| sourced(&path, bytes))),
            Pending::Mbox(mut stream) => {
                let next = stream.next_mail()?;
                self.pending.push(Pending::Mbox(stream));
                return Some(next);
            }
            Pending::Failed(error) => return Some(Err(error)),
        }
        None
    }

    /// Takes the walk's next entry: a Maildir found inside is read as one
    /// (not walked), a mail file is read, anything else passes. The rest of
    /// the walk stays queued behind whatever this entry gives.
    fn walk_step(&mut self, mut walk: Box<Walk>) -> Option<io::Result<SourcedMail>> {
        let entry = match walk.next()? {
            Ok(entry) => entry,
            Err(error) => {
                self.pending.push(Pending::Walk(walk));
                return Some(Err(walk_error(error)));
            }
        };
        let path = entry.path();
        if entry.file_type().is_dir() {
            if is_maildir(path) {
                walk.skip_current_dir();
                self.pending.push(Pending::Walk(walk));
                self.push_front(maildir(path));
            } else {
                self.pending.push(Pending::Walk(walk));
            }
            return None;
        }
        self.pending.push(Pending::Walk(walk));
        if !is_mail_name(path) {
            return None;
        }
        // A link counts as a mail file only if it leads to a regular file (not
        // a directory or a dangling target), which `fs::metadata` follows to.
        let is_file = entry.file_type().is_file() || fs::metadata(path).is_ok_and(|metadata| metadata.is_file());
        if is_file {
            self.mail_file(path)
        } else {
            None
        }
    }

    /// Reads a file: an mbox is streamed, a message at a time (an archive of
    /// thousands of mails is never held whole); any other file is one mail.
    fn mail_file(&mut self, path: &Path) -> Option<io::Result<SourcedMail>> {
        let mut file = match fs::File::open(path) {
            Ok(file) => file,
            Err(error) => return Some(Err(with_path(path, error))),
        };
        let mut head = Vec::with_capacity(SEPARATOR.len());
        if let Err(error) = io::Read::read_to_end(&mut io::Read::take(&mut file, SEPARATOR.len() as u64), &mut head) {
            return Some(Err(with_path(path, error)));
        }
        if !is_mbox(&head) {
            // An empty mbox is a folder with no mail, not an empty mail.
            if head.is_empty() && has_extension(path, "mbox") {
                return None;
            }
            let mut bytes = head;
            if let Err(error) = io::Read::read_to_end(&mut file, &mut bytes) {
                return Some(Err(with_path(path, error)));
            }
            return Some(Ok(sourced(path, bytes)));
        }
        let mut stream = Box::new(MboxStream::new(path, head, file));
        let first = stream.next_mail()?;
        self.pending.push(Pending::Mbox(stream));
        Some(first)
    }
}

/// The messages of one mbox file, read as they are asked for.
#[derive(Debug)]
struct MboxStream {
    path: PathBuf,
    reader: io::BufReader<io::Chain<io::Cursor<Vec<u8>>, fs::File>>,
    splitter: Splitter,
    /// How many messages were given.
    given: usize,
    /// Whether the end of the file was read.
    at_end: bool,
}

impl MboxStream {
    /// A stream over `file`, whose first bytes, `head`, were read already.
    fn new(path: &Path, head: Vec<u8>, file: fs::File) -> MboxStream {
        let reader = io::BufReader::with_capacity(1 << 16, io::Read::chain(io::Cursor::new(head), file));
        MboxStream { path: path.to_path_buf(), reader, splitter: Splitter::default(), given: 0, at_end: false }
    }

    /// The next message, labelled `FILE#N`; `None` at the end.
    fn next_mail(&mut self) -> Option<io::Result<SourcedMail>> {
        let mut line = Vec::new();
        loop {
            if let Some(bytes) = self.splitter.messages.pop_front() {
                self.given += 1;
                // A single mail saved with its `From ` line is named by its file alone, like any other mail file.
                let single = self.given == 1 && self.at_end && self.splitter.messages.is_empty();
                let label = if single {
                    self.path.display().to_string()
                } else {
                    format!("{}#{}", self.path.display(), self.given)
                };
                return Some(Ok(SourcedMail { label, bytes }));
            }
            if self.at_end {
                return None;
            }
            line.clear();
            match io::BufRead::read_until(&mut self.reader, b'\n', &mut line) {
                Ok(0) => {
                    self.at_end = true;
                    self.splitter.end_message();
                }
                Ok(_) => self.splitter.line(&line),
                Err(error) => {
                    self.at_end = true;
                    return Some(Err(with_path(&self.path, error)));
                }
            }
        }
    }
}

impl Iterator for MailReader {
    type Item = io::Result<SourcedMail>;

    fn next(&mut self) -> Option<Self::Item> {
        // Steps that only expand a directory yield nothing; keep going until
        // one does or the work runs out.
        while let Some(item) = self.pending.pop() {
            if let Some(result) = self.step(item) {
                return Some(result);
            }
        }
        None
    }
}

/// Decides what a path named by the caller stands for. The metadata follows
/// symbolic links: naming a link is naming its target.
fn named(path: PathBuf) -> Vec<Pending> {
    match fs::metadata(&path) {
        Ok(metadata) if metadata.is_dir() && is_maildir(&path) => maildir(&path),
        Ok(metadata) if metadata.is_dir() => vec![Pending::Walk(Box::new(walk(&path)))],
        Ok(_) => vec![Pending::MailFile(path)],
        Err(error) => vec![Pending::Failed(with_path(&path, error))],
    }
}

/// Walks `dir` below itself, in name order, without hidden entries.
fn walk(dir: &Path) -> Walk {
    let visible: fn(&walkdir::DirEntry) -> bool = |entry| !is_hidden(entry.path());
    WalkDir::new(dir).min_depth(1).follow_links(false).sort_by_file_name().into_iter().filter_entry(visible)
}

/// A walkdir error as an I/O error that names the path it concerns.
fn walk_error(error: walkdir::Error) -> io::Error {
    let path = error.path().map(Path::to_path_buf);
    let io_error = error.into_io_error().unwrap_or_else(|| io::Error::other("the directory walk failed"));
    match path {
        Some(path) => with_path(&path, io_error),
        None => io_error,
    }
}

/// A Maildir's messages: the files in `new/`, then those in `cur/`.
fn maildir(dir: &Path) -> Vec<Pending> {
    let mut items = maildir_part(&dir.join("new"));
    items.extend(maildir_part(&dir.join("cur")));
    items
}

/// Whether a directory is a Maildir. `tmp` is not required: some tools
/// create it only when delivering.
fn is_maildir(dir: &Path) -> bool {
    dir.join("cur").is_dir() && dir.join("new").is_dir()
}

/// The regular files of a Maildir's `new` or `cur` (links followed), by name.
fn maildir_part(dir: &Path) -> Vec<Pending> {
    WalkDir::new(dir)
        .min_depth(1)
        .max_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|entry| {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => return Some(Pending::Failed(walk_error(error))),
            };
            match fs::metadata(entry.path()) {
                Ok(metadata) if metadata.is_file() => Some(Pending::MaildirFile(entry.into_path())),
                Ok(_) => None,
                Err(error) => Some(Pending::Failed(with_path(entry.path(), error))),
            }
        })
        .collect()
}

/// Whether an entry is hidden (its name starts with a dot), such as editor
/// backups, `.git`, or a Maildir++ subfolder.
fn is_hidden(path: &Path) -> bool {
    path.file_name().is_some_and(|name| name.as_encoded_bytes().starts_with(b"."))
}

/// Whether a file found while walking is taken as mail, by its name.
fn is_mail_name(path: &Path) -> bool {
    has_extension(path, "eml") || has_extension(path, "mbox")
}

/// Whether the file name ends in `.extension`, in any case: mail saved on
/// some systems ends in `.EML`.
fn has_extension(path: &Path, extension: &str) -> bool {
    path.extension().is_some_and(|found| found.eq_ignore_ascii_case(OsStr::new(extension)))
}

/// Reads a whole file, naming it in the error.
fn read(path: &Path) -> io::Result<Vec<u8>> {
    fs::read(path).map_err(|error| with_path(path, error))
}

/// A mail labelled with the path of its file.
fn sourced(path: &Path, bytes: Vec<u8>) -> SourcedMail {
    SourcedMail { label: path.display().to_string(), bytes }
}

/// Puts the path in front of an error's message: the kind alone ("not
/// found") does not say which of many files failed.
fn with_path(path: &Path, error: io::Error) -> io::Error {
    io::Error::new(error.kind(), format!("{}: {}", path.display(), error))
}

/// Splits an mbox (mboxrd/mboxo) into its messages: each starts at a line
/// beginning "From " at the start of the data or after an empty line.
///
/// The separator line (`From sender date`) stays at the head of its message:
/// it names the envelope sender, which intake reads like a `Return-Path:`
/// (a `MAILER-DAEMON` there is the null sender of a bounce). The blank line
/// that ends each message in the file (before the next separator, or at the
/// end of the data) is not part of the message. Lines escaped by the writer
/// (`>From `, `>>From `, ...) lose one `>`. LF and CRLF line ends are both
/// accepted and kept as they are. Bytes before the first separator belong to
/// no message and are dropped: call [`is_mbox`] first to know there are none.
pub fn split_mbox(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut splitter = Splitter::default();
    for line in bytes.split_inclusive(|&byte| byte == b'\n') {
        splitter.line(line);
    }
    splitter.finish()
}

/// Whether the bytes look like an mbox (they start with "From ").
///
/// A single mail cannot start that way: its first line is a header, and
/// header names end with a colon, never a space.
pub fn is_mbox(bytes: &[u8]) -> bool {
    bytes.starts_with(SEPARATOR)
}

/// The state of [`split_mbox`] between two lines.
#[derive(Debug)]
struct Splitter {
    /// The messages finished and not yet taken.
    messages: std::collections::VecDeque<Vec<u8>>,
    /// The message being read, once a separator has been seen.
    current: Option<Vec<u8>>,
    /// A blank line not yet added to `current`: if a separator follows, it
    /// is the blank line that ends the message in the file, not content.
    held_blank: Option<Vec<u8>>,
    /// Whether the next line may be a separator: at the start of the data or
    /// after a blank line.
    at_boundary: bool,
}

impl Default for Splitter {
    fn default() -> Splitter {
        Splitter { messages: std::collections::VecDeque::new(), current: None, held_blank: None, at_boundary: true }
    }
}

impl Splitter {
    /// Takes one line, its line end included.
    fn line(&mut self, line: &[u8]) {
        let blank = is_blank(line);
        if self.at_boundary && line.starts_with(SEPARATOR) {
            self.end_message();
            self.current = Some(line.to_vec());
        } else if let Some(message) = self.current.as_mut() {
            if let Some(held) = self.held_blank.take() {
                message.extend_from_slice(&held);
            }
            if blank {
                self.held_blank = Some(line.to_vec());
            } else {
                message.extend_from_slice(unescape(line));
            }
        }
        self.at_boundary = blank;
    }

    /// Closes the message being read, dropping the blank line held back.
    fn end_message(&mut self) {
        self.held_blank = None;
        if let Some(message) = self.current.take() {
            self.messages.push_back(message);
        }
    }

    /// Ends the data: the last message closes like the others.
    fn finish(mut self) -> Vec<Vec<u8>> {
        self.end_message();
        self.messages.into()
    }
}

/// Whether a line is empty but for its line end.
fn is_blank(line: &[u8]) -> bool {
    line == b"\n" || line == b"\r\n"
}

/// Undoes mboxrd quoting: a line of one or more `>` then `From ` was
/// written with one `>` more than the mail had. For mboxo, which quotes only
/// `From `, this gives back the same lines.
fn unescape(line: &[u8]) -> &[u8] {
    let quotes = line.iter().take_while(|&&byte| byte == b'>').count();
    match line.get(quotes..) {
        Some(rest) if quotes > 0 && rest.starts_with(SEPARATOR) => line.get(1..).unwrap_or(line),
        _ => line,
    }
}

#[cfg(test)]
mod tests {
    use super::{is_mbox, split_mbox, MailReader, SourcedMail};
    use std::fs;
    use std::io;
    use std::path::PathBuf;

    /// A scratch directory (tempfile's, removed when dropped) with helpers to fill it.
    struct TempDir(PathBuf, #[allow(dead_code)] tempfile::TempDir); // The second is held for its Drop.

    impl TempDir {
        fn new(name: &str) -> io::Result<TempDir> {
            let dir = tempfile::Builder::new().prefix(&format!("formrobot-mailbox-{name}-")).tempdir()?;
            Ok(TempDir(dir.path().to_path_buf(), dir))
        }

        /// Writes a file, creating its parent directories.
        fn write(&self, relative: &str, contents: &[u8]) -> io::Result<PathBuf> {
            let path = self.0.join(relative);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(&path, contents)?;
            Ok(path)
        }

        /// The label a mail at `relative` gets when the directory is walked.
        fn label(&self, relative: &str) -> String {
            self.0.join(relative).display().to_string()
        }
    }

    /// Reads everything, turning the mails into (label, text) pairs.
    fn read_all(paths: &[PathBuf]) -> Vec<Result<(String, String), io::Error>> {
        MailReader::new(paths)
            .map(|item| item.map(|SourcedMail { label, bytes }| (label, String::from_utf8_lossy(&bytes).into_owned())))
            .collect()
    }

    /// Reads everything, failing the test on an error item.
    fn read_ok(paths: &[PathBuf]) -> io::Result<Vec<(String, String)>> {
        read_all(paths).into_iter().collect()
    }

    fn pair(label: String, text: &str) -> (String, String) {
        (label, text.to_string())
    }

    const MBOX: &str = concat!(
        "From alice@example.net Mon Jan  1 00:00:00 2024\n",
        "Subject: one\n",
        "\n",
        "first\n",
        "\n",
        "From bob@example.net Mon Jan  1 00:00:01 2024\n",
        "Subject: two\n",
        "\n",
        ">From the body, escaped\n",
        ">>From twice escaped\n",
        "> From not an escape\n",
        "From not a separator either\n",
        "\n",
        "\n",
        "From carol@example.net Mon Jan  1 00:00:02 2024\n",
        "Subject: three\n",
        "\n",
        "last\n",
        "\n",
    );

    fn expected_messages() -> Vec<String> {
        vec![
            "From alice@example.net Mon Jan  1 00:00:00 2024\nSubject: one\n\nfirst\n".to_string(),
            concat!(
                "From bob@example.net Mon Jan  1 00:00:01 2024\n",
                "Subject: two\n\n",
                "From the body, escaped\n",
                ">From twice escaped\n",
                "> From not an escape\n",
                "From not a separator either\n",
                "\n",
            )
            .to_string(),
            "From carol@example.net Mon Jan  1 00:00:02 2024\nSubject: three\n\nlast\n".to_string(),
        ]
    }

    fn split_to_strings(bytes: &[u8]) -> Vec<String> {
        split_mbox(bytes).iter().map(|message| String::from_utf8_lossy(message).into_owned()).collect()
    }

    #[test]
    fn splits_mbox_and_unescapes() {
        assert_eq!(split_to_strings(MBOX.as_bytes()), expected_messages());
    }

    #[test]
    fn splits_crlf_mbox() {
        let crlf = MBOX.replace('\n', "\r\n");
        let expected: Vec<String> = expected_messages().iter().map(|message| message.replace('\n', "\r\n")).collect();
        assert_eq!(split_to_strings(crlf.as_bytes()), expected);
    }

    #[test]
    fn splits_mbox_edge_cases() {
        assert!(split_mbox(b"").is_empty());
        assert_eq!(split_to_strings(b"From a\nbody"), vec!["From a\nbody"]);
        assert_eq!(split_to_strings(b"From a\n\nFrom b\nx\n"), vec!["From a\n", "From b\nx\n"]);
        assert_eq!(split_to_strings(b"preamble\n\nFrom a\nx\n"), vec!["From a\nx\n"]);
    }

    #[test]
    fn recognises_mbox() {
        assert!(is_mbox(MBOX.as_bytes()));
        assert!(!is_mbox(b"Return-Path: <a@example.net>\nFrom: a@example.net\n"));
        assert!(!is_mbox(b"From: a@example.net\n"));
        assert!(!is_mbox(b""));
    }

    #[test]
    fn reads_a_named_file_whatever_its_name() -> io::Result<()> {
        let temp = TempDir::new("file")?;
        let path = temp.write("form.txt", b"Subject: form\n\nbody\n")?;
        assert_eq!(
            read_ok(std::slice::from_ref(&path))?,
            vec![pair(path.display().to_string(), "Subject: form\n\nbody\n")]
        );
        Ok(())
    }

    #[test]
    fn reads_each_message_of_an_mbox() -> io::Result<()> {
        let temp = TempDir::new("mbox")?;
        let lf = temp.write("archive", MBOX.as_bytes())?;
        let crlf = temp.write("archive-crlf", MBOX.replace('\n', "\r\n").as_bytes())?;
        let mails = read_ok(&[lf.clone(), crlf.clone()])?;
        let labels: Vec<&str> = mails.iter().map(|(label, _)| label.as_str()).collect();
        let lf_label = lf.display().to_string();
        let crlf_label = crlf.display().to_string();
        let expected_labels = [1, 2, 3]
            .map(|n| format!("{lf_label}#{n}"))
            .into_iter()
            .chain([1, 2, 3].map(|n| format!("{crlf_label}#{n}")));
        assert_eq!(labels, expected_labels.collect::<Vec<_>>());
        assert_eq!(mails[1].1, expected_messages()[1]);
        assert_eq!(mails[4].1, expected_messages()[1].replace('\n', "\r\n"));
        Ok(())
    }

    #[test]
    fn reads_a_maildir_new_then_cur() -> io::Result<()> {
        let temp = TempDir::new("maildir")?;
        temp.write("Maildir/cur/200.host:2,S", b"cur 200")?;
        temp.write("Maildir/cur/100.host:2,S", b"cur 100")?;
        temp.write("Maildir/new/300.host", b"new 300")?;
        temp.write("Maildir/tmp/400.host", b"tmp 400")?;
        let mails = read_ok(&[temp.0.join("Maildir")])?;
        assert_eq!(
            mails,
            vec![
                pair(temp.label("Maildir/new/300.host"), "new 300"),
                pair(temp.label("Maildir/cur/100.host:2,S"), "cur 100"),
                pair(temp.label("Maildir/cur/200.host:2,S"), "cur 200"),
            ]
        );
        Ok(())
    }

    #[test]
    fn walks_a_directory_tree() -> io::Result<()> {
        let temp = TempDir::new("tree")?;
        temp.write("b.eml", b"b")?;
        temp.write("a.eml", b"a")?;
        temp.write("a.expected.json", b"{}")?;
        temp.write("INDEX.md", b"# index")?;
        temp.write("notes.txt", b"notes")?;
        temp.write(".hidden.eml", b"hidden")?;
        temp.write(".git/c.eml", b"in hidden dir")?;
        temp.write("c/nested.EML", b"nested")?;
        temp.write("c/box.mbox", b"From x\nm1\n\nFrom y\nm2\n")?;
        temp.write("c/empty.mbox", b"")?;
        temp.write("d/Maildir/new/1.host", b"maildir")?;
        fs::create_dir_all(temp.0.join("d/Maildir/cur"))?;
        temp.write("e.eml", b"e")?;
        temp.write("f.eml", b"From z@example.net Mon Jan  1 00:00:00 2024\nsaved with its From line\n")?;
        let mails = read_ok(std::slice::from_ref(&temp.0))?;
        assert_eq!(
            mails,
            vec![
                pair(temp.label("a.eml"), "a"),
                pair(temp.label("b.eml"), "b"),
                pair(format!("{}#1", temp.label("c/box.mbox")), "From x\nm1\n"),
                pair(format!("{}#2", temp.label("c/box.mbox")), "From y\nm2\n"),
                pair(temp.label("c/nested.EML"), "nested"),
                pair(temp.label("d/Maildir/new/1.host"), "maildir"),
                pair(temp.label("e.eml"), "e"),
                pair(temp.label("f.eml"), "From z@example.net Mon Jan  1 00:00:00 2024\nsaved with its From line\n"),
            ]
        );
        Ok(())
    }

    #[test]
    fn missing_path_is_an_error_and_reading_goes_on() -> io::Result<()> {
        let temp = TempDir::new("missing")?;
        let missing = temp.0.join("missing.eml");
        let present = temp.write("present.eml", b"present")?;
        let results = read_all(&[missing.clone(), present.clone()]);
        assert_eq!(results.len(), 2);
        match &results[0] {
            Err(error) => {
                assert_eq!(error.kind(), io::ErrorKind::NotFound);
                assert!(error.to_string().starts_with(&format!("{}: ", missing.display())), "{error}");
            }
            Ok(mail) => panic!("expected an error, got {mail:?}"),
        }
        assert_eq!(results[1].as_ref().ok(), Some(&pair(present.display().to_string(), "present")));
        Ok(())
    }

    #[test]
    fn empty_path_list_gives_nothing() {
        assert!(read_all(&[]).is_empty());
    }

    /// Set in the copy of this test binary that runs without root's power to
    /// read any directory.
    const WITHOUT_DAC_OVERRIDE: &str = "FORMROBOT_TEST_WITHOUT_DAC_OVERRIDE";

    #[cfg(unix)]
    #[test]
    fn unreadable_directory_is_an_error_and_reading_goes_on() -> io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let temp = TempDir::new("unreadable")?;
        temp.write("a/locked/x.eml", b"x")?;
        temp.write("b.eml", b"b")?;
        let locked = temp.0.join("a/locked");
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000))?;
        let enforced = fs::read_dir(&locked).is_err();
        let results = read_all(std::slice::from_ref(&temp.0));
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o755))?;
        if !enforced {
            // Root reads any directory (CAP_DAC_OVERRIDE), as in CI. Run this test
            // again in a copy of this binary whose capability bounding set lacks
            // that power, so that root meets the permissions like anyone else.
            assert!(std::env::var_os(WITHOUT_DAC_OVERRIDE).is_none(), "setpriv did not drop CAP_DAC_OVERRIDE");
            let test = "mailbox::tests::unreadable_directory_is_an_error_and_reading_goes_on";
            let output = std::process::Command::new("setpriv")
                .args(["--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search"])
                .arg(std::env::current_exe()?)
                .args(["--exact", test, "--test-threads=1"])
                .env(WITHOUT_DAC_OVERRIDE, "1")
                .output()?;
            let said = String::from_utf8_lossy(&output.stdout);
            assert!(output.status.success(), "{said}{}", String::from_utf8_lossy(&output.stderr));
            assert!(said.contains("1 passed"), "{said}");
            return Ok(());
        }
        assert_eq!(results.len(), 2, "{results:?}");
        assert!(results[0].as_ref().is_err_and(|error| error.to_string().starts_with(&locked.display().to_string())));
        assert_eq!(results[1].as_ref().ok(), Some(&pair(temp.label("b.eml"), "b")));
        Ok(())
    }
}
