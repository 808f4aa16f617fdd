//! Python code that downloads when it runs: calls into model hubs and data-set loaders
//! (`from_pretrained("org/name")`, `torch.hub.load("owner/repo", …)`, `nltk.download`,
//! …), literal URLs handed to HTTP clients and readers (`requests.get("https://…")`,
//! `pd.read_csv("https://…")`), and environment settings that change where libraries
//! download from (`os.environ["HF_ENDPOINT"] = "https://mirror"`, `HF_HUB_OFFLINE`).
//! Shared by `*.py` files and notebook code cells.
//!
//! The code is parsed with tree-sitter's Python grammar, never matched line by line, so
//! comments and docstrings never count, and because tree-sitter recovers from syntax
//! errors, a broken line costs only the statement it is in. Only literal arguments name
//! what is fetched; a call whose model is a variable is left to the dependency (the
//! variable is often a local directory). Local paths (`./model`, `/mnt/x`,
//! `azureml://…`) are no hosts. The library ids are `[[runtime]]` ids of
//! `knowledge/runtime.toml`.

use tree_sitter::{Node, Parser};

use crate::remote::{self, Remote};

/// How an occurrence of a trigger word must look to count. The shapes only ever let more
/// code through than [`call`], [`assignment`] and [`import`] report on: they exist to pass
/// over the statements that merely mention a library (`from azure.ai.ml import MLClient`,
/// `@pipeline(…)`, `print("see https://…")`), which in Azure ML notebooks are most of the
/// code and were most of a scan's time when every mention was parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// The whole identifier, in any use: `from_pretrained`.
    Word,
    /// The identifier called: `YOLO(`, `SentenceTransformer (`.
    Call,
    /// A module's member used: `nltk.`, `hub.load`.
    Attribute,
    /// Called or a member used: `MLClient(`, `MLClient.from_config`.
    CallOrAttribute,
    /// A keyword argument or assignment with that name: `weights=`, `pretrained =`.
    Keyword,
    /// `pipeline(` called, other than as the Azure ML `@pipeline`/`dsl.pipeline` decorator
    /// or a definition.
    Pipeline,
    /// The environment written: `environ[…] =`, `environ.setdefault`, `environ.update`.
    EnvironWrite,
}

/// What an occurrence means for the statement it is in: [`Cue::Parse`] alone makes it worth
/// parsing; a URL needs a call that fetches it in the same statement, and
/// `create_model` needs `timm`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cue {
    Parse,
    /// `MLClient(` or `MLClient.from_config(`: worth a parse like [`Cue::Parse`], and
    /// what it finds is known without one (see [`client_call`]).
    Client,
    Url,
    UrlCall,
    CreateModel,
    Timm,
}

/// Words without which code cannot contain anything this module reports, with the shape
/// an occurrence must have: code with none of them is not parsed at all (the scan stays
/// bounded by reading files). Every name [`call`] matches on is here, or in
/// [`URL_CALLS`]/[`SHELL_CALLS`] (each a [`Cue::UrlCall`] when called); [`cues`] also
/// matches `fetch_…(` calls and `http://`/`https://` ([`Cue::Url`]).
const TRIGGERS: &[Trigger] = &[
    ("AsyncAzureOpenAI", Shape::Call, Cue::Parse),
    ("AsyncOpenAI", Shape::Call, Cue::Parse),
    ("AzureChatOpenAI", Shape::Call, Cue::Parse),
    ("AzureOpenAI", Shape::Call, Cue::Parse),
    ("AzureOpenAIEmbeddings", Shape::Call, Cue::Parse),
    ("CIFAR10", Shape::Call, Cue::Parse),
    ("CIFAR100", Shape::Call, Cue::Parse),
    ("CrossEncoder", Shape::Call, Cue::Parse),
    ("FashionMNIST", Shape::Call, Cue::Parse),
    ("MLClient", Shape::CallOrAttribute, Cue::Parse),
    ("MNIST", Shape::Call, Cue::Parse),
    ("OpenAI", Shape::Call, Cue::Parse),
    ("RTDETR", Shape::Call, Cue::Parse),
    ("SentenceTransformer", Shape::Call, Cue::Parse),
    ("YOLO", Shape::Call, Cue::Parse),
    ("create_model", Shape::Word, Cue::CreateModel),
    ("environ", Shape::EnvironWrite, Cue::Parse),
    ("from_config", Shape::Word, Cue::Parse),
    ("from_pretrained", Shape::Word, Cue::Parse),
    ("gensim", Shape::Word, Cue::Parse),
    ("hf_hub_download", Shape::Word, Cue::Parse),
    ("hf_hub_url", Shape::Word, Cue::Parse),
    ("hub", Shape::Attribute, Cue::Parse),
    ("kagglehub", Shape::Attribute, Cue::Parse),
    ("load_data", Shape::Call, Cue::Parse),
    ("load_dataset", Shape::Word, Cue::Parse),
    ("nltk", Shape::Attribute, Cue::Parse),
    ("pipeline", Shape::Pipeline, Cue::Parse),
    ("pretrained", Shape::Keyword, Cue::Parse),
    ("putenv", Shape::Word, Cue::Parse),
    ("set_tracking_uri", Shape::Word, Cue::Parse),
    ("snapshot_download", Shape::Word, Cue::Parse),
    ("spacy", Shape::Attribute, Cue::Parse),
    ("tensorflow_datasets", Shape::Attribute, Cue::Parse),
    ("tfds", Shape::Attribute, Cue::Parse),
    ("tiktoken", Shape::Attribute, Cue::Parse),
    ("timm", Shape::Word, Cue::Timm),
    ("wandb", Shape::Attribute, Cue::Parse),
    ("weights", Shape::Keyword, Cue::Parse),
    ("whisper", Shape::Attribute, Cue::Parse),
];

/// A trigger word with the shape it needs and what it means.
type Trigger = (&'static str, Shape, Cue);

/// The longest trigger word, URL-fetching call or shell call, plus one.
const LONGEST: usize = 32;

/// Every trigger word, URL-fetching call and shell call by length, for [`cues`]: a word
/// of the text is compared only with the few of its length.
static BY_LENGTH: std::sync::LazyLock<Vec<Vec<Trigger>>> = std::sync::LazyLock::new(|| {
    let mut table = vec![Vec::new(); LONGEST];
    let calls = URL_CALLS
        .iter()
        .chain(SHELL_CALLS)
        .map(|word| (*word, Shape::Call, Cue::UrlCall));
    for (word, shape, cue) in TRIGGERS.iter().copied().chain(calls) {
        // `fetch_` is a prefix and the URL schemes are matched with their `://`
        // below; a word too long for the table would be a bug a test catches.
        if let Some(slot) = table.get_mut(word.len()) {
            slot.push((word, shape, cue));
        }
    }
    table
});

/// The cues in the text with their byte offsets, in order. One pass over the words of the
/// text (runs of identifier bytes), each looked up among the trigger words of its length:
/// cheaper than any multi-pattern search, since the triggers are all words.
fn cues(text: &str) -> Vec<(usize, Cue)> {
    let bytes = text.as_bytes();
    let table = &*BY_LENGTH;
    let mut found = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if !is_identifier_byte(bytes[index]) {
            index += 1;
            continue;
        }
        let start = index;
        index += 1;
        while index < bytes.len() && is_identifier_byte(bytes[index]) {
            index += 1;
        }
        let word = &bytes[start..index];
        let Some(candidates) = table.get(word.len()) else {
            continue;
        };
        for (trigger, shape, cue) in candidates {
            // The first byte rules out nearly every candidate without a comparison call.
            if trigger.as_bytes()[0] == word[0]
                && trigger.as_bytes() == word
                && has_shape(bytes, start, index, *shape)
            {
                let cue = if word == b"MLClient"
                    && (has_shape(bytes, start, index, Shape::Call)
                        || bytes[index..].starts_with(FROM_CONFIG_CALL))
                {
                    Cue::Client
                } else {
                    *cue
                };
                // `MLClient.from_config` is cued by its `MLClient`, which a parse
                // needs to find it (the call's chain must start there).
                if word == b"from_config" && after_client_word(&bytes[..start]) {
                    continue;
                }
                // `set_tracking_uri(name)`: a parse reports only a literal argument.
                if word == b"set_tracking_uri" && sole_name_argument(&bytes[index..]) {
                    continue;
                }
                found.push((start, cue));
            }
        }
        if word.starts_with(b"fetch_") && has_shape(bytes, start, index, Shape::Call) {
            found.push((start, Cue::Parse));
        } else if word[0] == b'h'
            && (word == b"http" || word == b"https")
            && bytes[index..].starts_with(b"://")
        {
            found.push((start, Cue::Url));
        }
    }
    found
}

/// What follows `MLClient` in the `from_config` call a parse reports.
const FROM_CONFIG_CALL: &[u8] = b".from_config(";

/// Whether the arguments after an opening parenthesis close it at their very end, with
/// brackets balanced outside simple strings and no comment; anything unusual says no.
fn closes_at_end(arguments: &[u8]) -> bool {
    let arguments = arguments.trim_ascii_end();
    let mut depth = 1_usize;
    let mut index = 0;
    while index < arguments.len() {
        match arguments[index] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return index + 1 == arguments.len();
                }
            }
            quote @ (b'\'' | b'"') => {
                index += 1;
                loop {
                    match arguments.get(index) {
                        Some(byte) if *byte == quote => break,
                        Some(b'\\' | b'\n') | None => return false,
                        Some(_) => index += 1,
                    }
                }
                if arguments.get(index + 1) == Some(&quote) {
                    // `''` followed by a third quote would open a triple-quoted string.
                    return false;
                }
            }
            b'#' | b'\\' => return false,
            _ => {}
        }
        index += 1;
    }
    false
}

/// Whether the text opens a call whose only argument is a plain name: `(uri)`,
/// `( MLFLOW_URI )`.
fn sole_name_argument(after: &[u8]) -> bool {
    let Some(rest) = after.trim_ascii_start().strip_prefix(b"(") else {
        return false;
    };
    let rest = rest.trim_ascii_start();
    let name = rest
        .iter()
        .take_while(|byte| is_identifier_byte(**byte))
        .count();
    name > 0 && !rest[0].is_ascii_digit() && rest[name..].trim_ascii_start().starts_with(b")")
}

/// Whether `before` ends with the whole word `MLClient` and a dot.
fn after_client_word(before: &[u8]) -> bool {
    before
        .strip_suffix(b"MLClient.")
        .is_some_and(|rest| rest.last().is_none_or(|byte| !is_identifier_byte(*byte)))
}

/// Whether a set of cues is worth a parse (see [`Cue`]).
fn worth_parsing(cues: impl IntoIterator<Item = Cue>) -> bool {
    let (mut url, mut url_call, mut create_model, mut timm) = (false, false, false, false);
    for cue in cues {
        match cue {
            Cue::Parse | Cue::Client => return true,
            Cue::Url => url = true,
            Cue::UrlCall => url_call = true,
            Cue::CreateModel => create_model = true,
            Cue::Timm => timm = true,
        }
        if (url && url_call) || (create_model && timm) {
            return true;
        }
    }
    false
}

fn is_identifier_byte(byte: u8) -> bool {
    IDENTIFIER_BYTES[usize::from(byte)]
}

/// Letters, digits, `_` and every byte of a non-ASCII character (Python identifiers may
/// hold those; none of the triggers does, so they only need to end no word early).
static IDENTIFIER_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte: u8 = 0;
    loop {
        table[byte as usize] = byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80;
        if byte == u8::MAX {
            break;
        }
        byte += 1;
    }
    table
};

/// The index of the first byte at or after `index` that is not white space or a line
/// continuation.
fn skip_space(bytes: &[u8], mut index: usize) -> usize {
    while bytes
        .get(index)
        .is_some_and(|byte| byte.is_ascii_whitespace() || *byte == b'\\')
    {
        index += 1;
    }
    index
}

/// Whether the word at `start..end` (a whole identifier) has the shape.
fn has_shape(bytes: &[u8], start: usize, end: usize, shape: Shape) -> bool {
    let next = skip_space(bytes, end);
    let called = bytes.get(next) == Some(&b'(');
    let member = bytes.get(next) == Some(&b'.');
    match shape {
        Shape::Word => true,
        Shape::Call => called,
        Shape::Attribute => member,
        Shape::CallOrAttribute => called || member,
        Shape::Keyword => bytes.get(next) == Some(&b'=') && bytes.get(next + 1) != Some(&b'='),
        Shape::Pipeline => called && !pipeline_decorator_or_definition(bytes, start),
        Shape::EnvironWrite => environ_write(bytes, next),
    }
}

/// `@pipeline(`, `@dsl.pipeline(`, `dsl.pipeline(`, `def pipeline(`: Azure ML's pipeline
/// decorator and definitions, which [`call`] never reports.
fn pipeline_decorator_or_definition(bytes: &[u8], start: usize) -> bool {
    let head = &bytes[..start];
    let line = head
        .iter()
        .rposition(|byte| *byte == b'\n')
        .map_or(head, |newline| &head[newline + 1..]);
    let line = line.trim_ascii();
    line == b"@" || line.ends_with(b"dsl.") || line.ends_with(b"def")
}

/// After `environ`: `[…] =` (not `==`), `.setdefault`, `.update`.
fn environ_write(bytes: &[u8], next: usize) -> bool {
    match bytes.get(next) {
        Some(b'.') => {
            let member = &bytes[skip_space(bytes, next + 1)..];
            member.starts_with(b"setdefault") || member.starts_with(b"update")
        }
        Some(b'[') => {
            let Some(close) = bytes[next..].iter().position(|byte| *byte == b']') else {
                return false;
            };
            let equals = skip_space(bytes, next + close + 1);
            bytes.get(equals) == Some(&b'=') && bytes.get(equals + 1) != Some(&b'=')
        }
        _ => false,
    }
}

/// Whether the text may contain something [`scan`] reports.
pub(crate) fn may_contain_calls(text: &str) -> bool {
    holds_necessary_words(text) && worth_parsing(cues(text).into_iter().map(|(_, cue)| cue))
}

/// Whether the text holds any word without which it cannot be worth a parse (see
/// [`worth_parsing`]): a trigger that is a [`Cue::Parse`] alone, a word starting with
/// `fetch_`, and what the pairs need of one side, `://` for a URL and `timm` for
/// `create_model`. One vectorised search, each hit checked for being a whole word as
/// [`cues`] reads words (`environment` is not `environ`): several times faster than
/// finding every word, and most files and notebook cells hold none.
fn holds_necessary_words(text: &str) -> bool {
    let Some(searcher) = NECESSARY.as_ref() else {
        return true;
    };
    let bytes = text.as_bytes();
    searcher.find_iter(text).any(|found| {
        let word = &NECESSARY_WORDS[found.pattern().as_usize()];
        let starts_word = found.start() == 0 || !is_identifier_byte(bytes[found.start() - 1]);
        let ends_word = bytes
            .get(found.end())
            .is_none_or(|next| !is_identifier_byte(*next));
        match *word {
            "://" => true,
            "fetch_" => starts_word,
            _ => starts_word && ends_word,
        }
    })
}

/// The words of [`holds_necessary_words`], in pattern order.
static NECESSARY_WORDS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    TRIGGERS
        .iter()
        .filter(|(_, _, cue)| *cue == Cue::Parse)
        .map(|(word, _, _)| *word)
        .chain(["fetch_", "://", "timm"])
        .collect()
});

/// The searcher of [`holds_necessary_words`]; building it cannot fail for a few dozen
/// short words (a test checks), and should it, nothing is filtered. Leftmost-longest,
/// so that no whole word is passed over: a match starting inside another is no word's
/// start, and of the words starting at one place only the longest can end a word.
static NECESSARY: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> =
    std::sync::LazyLock::new(|| {
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(NECESSARY_WORDS.iter())
            .ok()
    });

/// Library ids this module can report; each must be a `[[runtime]]` id (a test checks).
pub const LIBRARIES: &[&str] = &[
    AZURE_ML,
    AZURE_OPENAI,
    GENSIM,
    HUGGINGFACE,
    KAGGLE,
    KERAS,
    NLTK,
    OPENAI,
    WHISPER,
    PYTORCH_WEIGHTS,
    FIGSHARE,
    OPENML,
    SPACY,
    TFDS,
    TIKTOKEN,
    TORCH_HUB,
    TORCHVISION_MNIST,
    TORCHVISION_FASHION_MNIST,
    CIFAR,
    ULTRALYTICS,
    WANDB,
];

const AZURE_ML: &str = "azure-ml";
const AZURE_OPENAI: &str = "azure-openai";
const GENSIM: &str = "gensim-data";
const HUGGINGFACE: &str = "huggingface-hub";
const KAGGLE: &str = "kaggle";
const KERAS: &str = "keras-applications";
const NLTK: &str = "nltk-data";
const OPENAI: &str = "openai";
const WHISPER: &str = "openai-whisper";
const PYTORCH_WEIGHTS: &str = "pytorch-weights";
const FIGSHARE: &str = "scikit-learn-figshare";
const OPENML: &str = "scikit-learn-openml";
pub(crate) const SPACY: &str = "spacy-models";
const TFDS: &str = "tensorflow-datasets";
const TIKTOKEN: &str = "tiktoken";
const TORCH_HUB: &str = "torch-hub";
const TORCHVISION_MNIST: &str = "torchvision-mnist";
const TORCHVISION_FASHION_MNIST: &str = "torchvision-fashion-mnist";
const CIFAR: &str = "cifar-archives";
const ULTRALYTICS: &str = "ultralytics";
const WANDB: &str = "wandb";

/// scikit-learn fetchers whose files live on figshare.
const FIGSHARE_FETCHERS: &[&str] = &[
    "fetch_20newsgroups",
    "fetch_20newsgroups_vectorized",
    "fetch_california_housing",
    "fetch_covtype",
    "fetch_kddcup99",
    "fetch_lfw_pairs",
    "fetch_lfw_people",
    "fetch_olivetti_faces",
    "fetch_rcv1",
    "fetch_species_distributions",
];

/// `datasets` builders that read the files given to them rather than a Hub repository.
const PACKAGED_BUILDERS: &[&str] = &[
    "arrow",
    "audiofolder",
    "csv",
    "imagefolder",
    "json",
    "pandas",
    "parquet",
    "sql",
    "text",
    "videofolder",
    "webdataset",
    "xml",
];

/// Calls whose literal `http(s)://` arguments are fetched.
const URL_CALLS: &[&str] = &[
    "Request",
    "delete",
    "download",
    "download_url",
    "download_url_to_file",
    "get",
    "get_file",
    "head",
    "load_state_dict_from_url",
    "patch",
    "post",
    "put",
    "read_csv",
    "read_excel",
    "read_feather",
    "read_fwf",
    "read_html",
    "read_json",
    "read_parquet",
    "read_table",
    "read_xml",
    "request",
    "stream",
    "urlopen",
    "urlretrieve",
];

/// Calls that run a shell command line, whose `curl`/`wget` URLs are fetched.
const SHELL_CALLS: &[&str] = &[
    "Popen",
    "call",
    "check_call",
    "check_output",
    "run",
    "system",
];

/// What a piece of code reveals, at a 0-based row and column of the parsed text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Found {
    Library {
        library: &'static str,
        fetches: Option<String>,
    },
    Url {
        remote: Remote,
        fetches: String,
    },
    Setting {
        name: String,
        value: String,
    },
}

/// The result of scanning one piece of Python.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// Findings with their 0-based row and column, in source order.
    pub found: Vec<(Found, usize, usize)>,
    /// The first syntax error (0-based row and column), if the code has one.
    pub syntax_error: Option<(usize, usize)>,
}

/// Parses Python source and collects what it downloads at run time. Only the top-level
/// statements (see [`top_level_statements`]) holding a trigger word in a shape that can
/// download ([`TRIGGERS`]) are parsed: parsing is the expensive part, and most of a large
/// file is code that downloads nothing.
pub(crate) fn scan(source: &str) -> Scan {
    if !holds_necessary_words(source) {
        return Scan::default();
    }
    scan_with(source, Some(&cues(source)))
}

/// [`scan`] with the cues found in the source, or with every statement parsed (`None`:
/// what tests compare the filtered scan with).
fn scan_with(source: &str, cues: Option<&[(usize, Cue)]>) -> Scan {
    let mut scan = Scan::default();
    if let Some(cues) = cues
        && !worth_parsing(cues.iter().map(|(_, cue)| *cue))
    {
        return scan;
    }
    let lines = logical_lines(source);
    PARSER.with_borrow_mut(|parser| {
        let Some(parser) = parser else {
            return;
        };
        for statement in statements(source, &lines) {
            let pieces = match cues {
                None => vec![Work::Parse(Piece::whole(&statement))],
                Some(cues) => pieces(source, &lines, &statement, cues),
            };
            for piece in pieces {
                match piece {
                    Work::Parse(piece) => parse_piece(parser, source, &piece, &mut scan),
                    Work::Client { row, column } => scan.found.push((
                        Found::Library {
                            library: AZURE_ML,
                            fetches: None,
                        },
                        row,
                        column,
                    )),
                }
            }
        }
    });
    scan
}

/// A piece of source to parse: a whole top-level statement, or one logical line of it
/// without its indentation (`indent` bytes) and trailing comment, completed with ` pass`
/// when it is a compound statement's header (`for x in load_dataset("y"):`).
struct Piece {
    start: usize,
    end: usize,
    row: usize,
    indent: usize,
    header: bool,
}

impl Piece {
    fn whole(statement: &Statement) -> Self {
        Piece {
            start: statement.start,
            end: statement.end,
            row: statement.row,
            indent: 0,
            header: false,
        }
    }
}

/// What to parse of a statement: the logical lines whose cues are worth it (a class or a
/// loop of fifty lines usually has one line that downloads), or the whole statement when
/// such a line cannot stand alone (a decorator, an `else:`/`except …:` clause).
fn pieces(
    source: &str,
    lines: &[LogicalLine],
    statement: &Statement,
    cues: &[(usize, Cue)],
) -> Vec<Work> {
    let first_cue = cues.partition_point(|(offset, _)| *offset < statement.start);
    let last_cue = cues.partition_point(|(offset, _)| *offset < statement.end);
    let cues = &cues[first_cue..last_cue];
    if !worth_parsing(cues.iter().map(|(_, cue)| *cue)) {
        return Vec::new();
    }
    let mut pieces = Vec::new();
    for index in statement.lines.clone() {
        let line = lines[index];
        let end = lines
            .get(index + 1)
            .map_or(statement.end, |next| next.start)
            .min(statement.end);
        let from = cues.partition_point(|(offset, _)| *offset < line.start);
        let to = cues.partition_point(|(offset, _)| *offset < end);
        let line_cues = &cues[from..to];
        if !worth_parsing(line_cues.iter().map(|(_, cue)| *cue)) {
            continue;
        }
        // A line whose only reason to parse is `MLClient(…)` (an Azure ML notebook has
        // several, and they were four fifths of all parsing) reports it without a parse.
        let others = line_cues.iter().filter(|(_, cue)| *cue != Cue::Client);
        if !worth_parsing(others.map(|(_, cue)| *cue)) {
            let calls: Option<Vec<usize>> = line_cues
                .iter()
                .filter(|(_, cue)| *cue == Cue::Client)
                .map(|(offset, _)| client_call(source, line.start, line.code_end, *offset))
                .collect();
            if let Some(calls) = calls {
                pieces.extend(calls.into_iter().map(|start| {
                    // Rows and byte columns, as tree-sitter reports them.
                    let head = &source[line.start..start];
                    let newlines = head.bytes().filter(|byte| *byte == b'\n').count();
                    let column = head
                        .rfind('\n')
                        .map_or(start - line.start, |at| head.len() - at - 1);
                    Work::Client {
                        row: line.row + newlines,
                        column,
                    }
                }));
                continue;
            }
        }
        let text = &source[line.start..line.code_end];
        let indent = text.len() - text.trim_start_matches([' ', '\t', '\x0c']).len();
        let code = text[indent..].trim_end();
        if code.is_empty() {
            continue;
        }
        let clause = CLAUSES.iter().any(|word| clause_keyword(code, word));
        if code.starts_with('@') || clause {
            return vec![Work::Parse(Piece::whole(statement))];
        }
        pieces.push(Work::Parse(Piece {
            start: line.start + indent,
            end: line.start + indent + code.len(),
            row: line.row,
            indent,
            header: code.ends_with(':'),
        }));
    }
    pieces
}

/// What to do for a piece of a statement.
enum Work {
    Parse(Piece),
    /// An `MLClient(…)` call starting at this 0-based row and byte column: an Azure ML
    /// finding there.
    Client {
        row: usize,
        column: usize,
    },
}

/// Where the call of `MLClient(` at `offset` starts — the start of its dotted name
/// (`azure.ai.ml.MLClient(` starts at `azure`), which is where a parse would report it
/// — when that is plain: the word is code (not in a string or comment of its logical
/// line, which starts at `line_start`) and the name is a chain of identifiers. For
/// `MLClient.from_config(` the chain must start at `MLClient` (a parse reports
/// `from_config` only on it). `None` sends the line to the parser.
fn client_call(source: &str, line_start: usize, line_end: usize, offset: usize) -> Option<usize> {
    let bytes = source.as_bytes();
    if !in_code(&bytes[line_start..offset]) {
        return None;
    }
    if let Some(arguments) = bytes[offset..line_end].strip_prefix(b"MLClient.from_config(") {
        // Only the plainest shape, `name = MLClient.from_config(…)` and nothing after:
        // tree-sitter recovers from a syntax error around it in ways only a parse tells
        // (a sentence in a code cell that quotes the call is not one).
        let target = bytes[line_start..offset].trim_ascii();
        let target = target.strip_suffix(b"=").unwrap_or(target).trim_ascii_end();
        let plain_target = target
            .split(|byte| *byte == b'.')
            .all(|name| !name.is_empty() && name.iter().all(|byte| is_identifier_byte(*byte)))
            || bytes[line_start..offset].trim_ascii().is_empty();
        return (plain_target && closes_at_end(arguments)).then_some(offset);
    }
    let mut start = offset;
    while start > line_start && bytes[start - 1] == b'.' {
        let mut word = start - 1;
        while word > line_start && is_identifier_byte(bytes[word - 1]) {
            word -= 1;
        }
        if word == start - 1 || bytes[word].is_ascii_digit() {
            // `f().MLClient(`, `x[0].MLClient(`: the call starts elsewhere.
            return None;
        }
        start = word;
    }
    // `x .MLClient(` and other spellings a parse handles.
    let before = bytes[line_start..start].trim_ascii_end();
    (!before.ends_with(b".")).then_some(start)
}

/// Whether the end of this start of a logical line is code: outside strings and
/// comments (the same lexing as [`logical_lines`]).
fn in_code(text: &[u8]) -> bool {
    let mut index = 0;
    while index < text.len() {
        match text[index] {
            b'#' => {
                // To the end of its physical line.
                match text[index..].iter().position(|byte| *byte == b'\n') {
                    Some(newline) => index += newline,
                    None => return false,
                }
            }
            quote @ (b'\'' | b'"') => {
                let triple =
                    text.get(index + 1) == Some(&quote) && text.get(index + 2) == Some(&quote);
                index += if triple { 3 } else { 1 };
                loop {
                    match text.get(index) {
                        None => return false,
                        Some(b'\\') => index += 2,
                        Some(byte) if *byte == quote => {
                            if !triple {
                                break;
                            }
                            if text.get(index + 1) == Some(&quote)
                                && text.get(index + 2) == Some(&quote)
                            {
                                index += 2;
                                break;
                            }
                            index += 1;
                        }
                        Some(b'\n') if !triple => break,
                        Some(_) => index += 1,
                    }
                }
            }
            _ => {}
        }
        index += 1;
    }
    true
}

/// Parses one piece and collects its findings at their places in the source.
fn parse_piece(parser: &mut Parser, source: &str, piece: &Piece, scan: &mut Scan) {
    let text = &source[piece.start..piece.end];
    let completed;
    let chunk = if piece.header {
        completed = format!("{text} pass");
        completed.as_str()
    } else {
        text
    };
    let Some(tree) = parser.parse(chunk, None) else {
        return;
    };
    // A place in the chunk → in the source: the first row lost its indentation.
    let place = |row: usize, column: usize| {
        let column = if row == 0 {
            column + piece.indent
        } else {
            column
        };
        (piece.row + row, column)
    };
    let first = scan.found.len();
    let root = tree.root_node();
    if root.has_error()
        && scan.syntax_error.is_none()
        && let Some((row, column)) = first_error(root)
    {
        scan.syntax_error = Some(place(row, column));
    }
    walk(root, chunk.as_bytes(), scan);
    for found in &mut scan.found[first..] {
        (found.1, found.2) = place(found.1, found.2);
    }
}

thread_local! {
    /// One parser per thread, reused: setting one up for every notebook cell cost more
    /// than parsing the cell's few candidate statements.
    static PARSER: std::cell::RefCell<Option<Parser>> = std::cell::RefCell::new({
        let mut parser = Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .is_ok()
            .then_some(parser)
    });
}

/// Pre-order walk without recursion: deeply nested code cannot exhaust the stack.
fn walk(root: Node<'_>, bytes: &[u8], scan: &mut Scan) {
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        match node.kind() {
            "call" => call(node, bytes, scan),
            "assignment" => assignment(node, bytes, scan),
            "import_statement" | "import_from_statement" => import(node, bytes, scan),
            _ => {}
        }
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// A logical line of Python: physical lines joined by open brackets, strings or a `\\`
/// continuation. `code_end` is where a trailing comment on its last physical line starts
/// (else where the line ends); `row` is the 0-based row it starts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LogicalLine {
    start: usize,
    code_end: usize,
    row: usize,
}

/// Splits source into logical lines. The lexing is just enough for that (strings with
/// triple quotes, comments, brackets); tree-sitter parses what is chosen properly, and a
/// line split wrongly only costs a syntax error in it.
fn logical_lines(source: &str) -> Vec<LogicalLine> {
    #[derive(PartialEq)]
    enum State {
        Code,
        Comment,
        Text { quote: u8, triple: bool },
    }
    let bytes = source.as_bytes();
    let mut lines = Vec::new();
    let mut state = State::Code;
    let mut depth = 0usize;
    let mut start = 0;
    let mut start_row = 0;
    let mut row = 0;
    let mut continued = false;
    let mut comment = None;
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        match state {
            State::Comment => {
                if byte == b'\n' {
                    // The newline ends the comment and is handled as code.
                    state = State::Code;
                    continue;
                }
            }
            State::Text { quote, triple } => {
                if byte == b'\\' {
                    index += 1;
                    if bytes.get(index) == Some(&b'\n') {
                        row += 1;
                    }
                } else if byte == quote {
                    if !triple {
                        state = State::Code;
                    } else if bytes.get(index + 1) == Some(&quote)
                        && bytes.get(index + 2) == Some(&quote)
                    {
                        index += 2;
                        state = State::Code;
                    }
                } else if byte == b'\n' {
                    if !triple {
                        // An unterminated string ends with its line.
                        state = State::Code;
                        continue;
                    }
                    row += 1;
                }
            }
            State::Code => match byte {
                b'#' => {
                    state = State::Comment;
                    comment = Some(index);
                }
                b'\'' | b'"' => {
                    let triple =
                        bytes.get(index + 1) == Some(&byte) && bytes.get(index + 2) == Some(&byte);
                    if triple {
                        index += 2;
                    }
                    state = State::Text {
                        quote: byte,
                        triple,
                    };
                }
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth = depth.saturating_sub(1),
                b'\\' if bytes.get(index + 1) == Some(&b'\n') => {
                    continued = true;
                    index += 1;
                    row += 1;
                }
                b'\n' => {
                    row += 1;
                    if depth == 0 && !continued {
                        lines.push(LogicalLine {
                            start,
                            code_end: comment.unwrap_or(index),
                            row: start_row,
                        });
                        start = index + 1;
                        start_row = row;
                    }
                    comment = None;
                    continued = false;
                }
                _ => {}
            },
        }
        index += 1;
    }
    if start < source.len() {
        lines.push(LogicalLine {
            start,
            code_end: comment.unwrap_or(source.len()),
            row: start_row,
        });
    }
    lines
}

/// A top-level statement: its bytes, 0-based first row, and its logical lines (indices
/// into [`logical_lines`]).
struct Statement {
    start: usize,
    end: usize,
    row: usize,
    lines: std::ops::Range<usize>,
}

/// Groups logical lines into top-level statements. A statement starts at a line that
/// begins in column 0 and is not a comment, a blank line, a clause of the statement before
/// (`else`, `elif`, `except`, `finally`) or the definition after a decorator.
fn statements(source: &str, lines: &[LogicalLine]) -> Vec<Statement> {
    let mut statements = Vec::new();
    let mut first = 0;
    let mut decorated = false;
    for (index, line) in lines.iter().enumerate() {
        let text = &source[line.start..];
        let head = text.as_bytes().first().copied();
        let starts_statement = head
            .is_some_and(|head| !matches!(head, b' ' | b'\t' | b'\r' | b'\n' | b'#' | b'\x0c'))
            && !CLAUSES[..4].iter().any(|word| clause_keyword(text, word));
        if starts_statement && !decorated && index > first {
            statements.push(Statement {
                start: lines[first].start,
                end: line.start,
                row: lines[first].row,
                lines: first..index,
            });
            first = index;
        }
        if starts_statement {
            decorated = head == Some(b'@');
        }
    }
    if first < lines.len() {
        statements.push(Statement {
            start: lines[first].start,
            end: source.len(),
            row: lines[first].row,
            lines: first..lines.len(),
        });
    }
    statements
}

/// Splits source into top-level statements: (start byte, end byte, 0-based first row).
#[cfg(test)]
fn top_level_statements(source: &str) -> Vec<(usize, usize, usize)> {
    statements(source, &logical_lines(source))
        .into_iter()
        .map(|statement| (statement.start, statement.end, statement.row))
        .collect()
}

/// Keywords that open a clause of the compound statement before them (`case` only inside
/// a `match`, so it never starts a top-level statement's clause): such a line cannot be
/// parsed alone.
const CLAUSES: [&str; 5] = ["else", "elif", "except", "finally", "case"];

/// Whether a line starts with the keyword `word` (not a longer name).
fn clause_keyword(line: &str, word: &str) -> bool {
    line.strip_prefix(word).is_some_and(|rest| {
        !rest
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

fn first_error(root: Node<'_>) -> Option<(usize, usize)> {
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            let position = node.start_position();
            return Some((position.row, position.column));
        }
        // Only descend into subtrees that contain the error.
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return None;
            }
        }
    }
}

fn text<'a>(node: Node<'_>, bytes: &'a [u8]) -> &'a str {
    node.utf8_text(bytes).unwrap_or("")
}

/// A dotted name (`torch.hub.load`) for identifiers and attribute chains; other
/// receivers (a call, a subscript) become `?`. Iterative: a hostile file can chain
/// thousands of attributes.
fn dotted(node: Node<'_>, bytes: &[u8]) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let mut current = Some(node);
    while let Some(node) = current {
        match node.kind() {
            "identifier" => {
                parts.push(text(node, bytes));
                current = None;
            }
            "attribute" => {
                parts.push(
                    node.child_by_field_name("attribute")
                        .map_or("?", |attribute| text(attribute, bytes)),
                );
                current = node.child_by_field_name("object");
                if current.is_none() {
                    parts.push("?");
                }
            }
            _ => {
                parts.push("?");
                current = None;
            }
        }
    }
    parts.reverse();
    parts.join(".")
}

/// The value of a string literal without interpolation; concatenated literals join.
fn literal(node: Node<'_>, bytes: &[u8]) -> Option<String> {
    // `(("x"))`: unwrap parentheses without recursion.
    let mut node = node;
    while node.kind() == "parenthesized_expression" {
        node = node.named_child(0)?;
    }
    match node.kind() {
        "string" => {
            let mut start = None;
            let mut end = None;
            let mut cursor = node.walk();
            for child in node.children(&mut cursor) {
                match child.kind() {
                    "string_start" => start = Some(child.end_byte()),
                    "string_end" => end = Some(child.start_byte()),
                    "interpolation" => return None,
                    _ => {}
                }
            }
            let (start, end) = (start?, end?);
            std::str::from_utf8(bytes.get(start..end)?)
                .ok()
                .map(str::to_string)
        }
        "concatenated_string" => {
            let mut out = String::new();
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                out.push_str(&literal(child, bytes)?);
            }
            Some(out)
        }
        _ => None,
    }
}

/// The arguments of a call: positional nodes and keyword (name, value) pairs.
struct Arguments<'tree> {
    positional: Vec<Node<'tree>>,
    keywords: Vec<(String, Node<'tree>)>,
}

impl<'tree> Arguments<'tree> {
    fn of(call: Node<'tree>, bytes: &[u8]) -> Self {
        let mut arguments = Arguments {
            positional: Vec::new(),
            keywords: Vec::new(),
        };
        let Some(list) = call.child_by_field_name("arguments") else {
            return arguments;
        };
        let mut cursor = list.walk();
        for child in list.named_children(&mut cursor) {
            match child.kind() {
                "keyword_argument" => {
                    if let (Some(name), Some(value)) = (
                        child.child_by_field_name("name"),
                        child.child_by_field_name("value"),
                    ) {
                        arguments
                            .keywords
                            .push((text(name, bytes).to_string(), value));
                    }
                }
                "comment" => {}
                _ => arguments.positional.push(child),
            }
        }
        arguments
    }

    fn keyword(&self, name: &str) -> Option<Node<'tree>> {
        self.keywords
            .iter()
            .find(|(keyword, _)| keyword == name)
            .map(|(_, value)| *value)
    }

    /// The literal of the first keyword of `names` given, else of positional `index`.
    fn literal(&self, names: &[&str], index: usize, bytes: &[u8]) -> Option<String> {
        names
            .iter()
            .find_map(|name| self.keyword(name))
            .or_else(|| self.positional.get(index).copied())
            .and_then(|node| literal(node, bytes))
    }

    /// Whether the argument `name` is given and not `None`/`False`.
    fn is_set(&self, name: &str, bytes: &[u8]) -> bool {
        self.keyword(name)
            .is_some_and(|value| !matches!(text(value, bytes), "None" | "False"))
    }

    /// Every literal argument, positional or keyword, including list items.
    fn literals(&self, bytes: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        let nodes = self
            .positional
            .iter()
            .copied()
            .chain(self.keywords.iter().map(|(_, value)| *value));
        for node in nodes {
            if let Some(value) = literal(node, bytes) {
                out.push(value);
            } else if node.kind() == "list" || node.kind() == "tuple" {
                let mut cursor = node.walk();
                out.extend(
                    node.named_children(&mut cursor)
                        .filter_map(|item| literal(item, bytes)),
                );
            }
        }
        out
    }
}

fn push(scan: &mut Scan, node: Node<'_>, found: Found) {
    let position = node.start_position();
    scan.found.push((found, position.row, position.column));
}

fn library(scan: &mut Scan, node: Node<'_>, library: &'static str, fetches: Option<String>) {
    push(scan, node, Found::Library { library, fetches });
}

/// Records a literal `http(s)://` URL as fetched; anything else is ignored.
fn url(scan: &mut Scan, node: Node<'_>, value: &str) {
    let value = value.trim();
    let lower = value.get(..8).unwrap_or(value).to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return;
    }
    if let Ok(remote) = remote::parse(value)
        && !is_placeholder_host(&remote.host)
    {
        let fetches = crate::redact::text(value);
        push(scan, node, Found::Url { remote, fetches });
    }
}

/// Documentation placeholders (`https://your-endpoint.inference.ai.azure.com`): a label
/// `your-…`/`your_…` names no real host, and a rule for it would allow nothing useful.
/// Loopback hosts (a test server, a local service) need no outbound rule either.
pub(crate) fn is_placeholder_host(host: &str) -> bool {
    let loopback = host == "localhost"
        || host.ends_with(".localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback() || address.is_unspecified());
    loopback
        || host
            .split('.')
            .any(|label| label.starts_with("your-") || label.starts_with("your_"))
}

/// A Hugging Face repository id (`name` or `org/name`), not a local path or another
/// scheme's URL.
pub(crate) fn hub_id(value: &str) -> Option<&str> {
    let value = value.trim();
    if value.is_empty()
        || value.starts_with(['.', '/', '~', '\\'])
        || value.contains("://")
        || value.contains('\\')
        || value.matches('/').count() > 1
        || value.as_bytes().get(1) == Some(&b':')
        || !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
    {
        return None;
    }
    Some(value)
}

fn call(node: Node<'_>, bytes: &[u8], scan: &mut Scan) {
    let Some(function) = node.child_by_field_name("function") else {
        return;
    };
    let callee = dotted(function, bytes);
    let mut segments = callee.split('.');
    let root = segments.next().unwrap_or("");
    let last = callee.rsplit('.').next().unwrap_or("");
    let has = |segment: &str| callee.split('.').any(|part| part == segment);
    let arguments = Arguments::of(node, bytes);
    let hub = |scan: &mut Scan, what: &str, value: Option<String>| {
        if let Some(id) = value.as_deref().and_then(hub_id) {
            library(scan, node, HUGGINGFACE, Some(format!("{what} {id}")));
        }
    };
    match last {
        // Before Hugging Face's `load_dataset`: kagglehub has one too.
        "dataset_download" | "model_download" | "competition_download" | "load_dataset"
            if root == "kagglehub" =>
        {
            // `load_dataset(adapter, handle, path)`: the handle comes second.
            let (kind, index) = match last {
                "model_download" => ("model", 0),
                "competition_download" => ("competition", 0),
                "load_dataset" => ("data set", 1),
                _ => ("data set", 0),
            };
            let what = arguments
                .literal(&["handle"], index, bytes)
                .map(|handle| format!("{kind} {handle}"));
            library(scan, node, KAGGLE, what);
        }
        "from_pretrained" => {
            // `PeftModel.from_pretrained(model, "adapter")`: the first literal argument.
            let value = arguments
                .literal(
                    &["pretrained_model_name_or_path", "model_id", "repo_id"],
                    0,
                    bytes,
                )
                .or_else(|| arguments.literal(&[], 1, bytes));
            hub(scan, "model", value);
        }
        "hf_hub_download" | "snapshot_download" | "hf_hub_url" => {
            let value = arguments.literal(&["repo_id"], 0, bytes);
            match value.as_deref() {
                Some(value) if hub_id(value).is_none() => {}
                Some(value) => library(scan, node, HUGGINGFACE, Some(format!("repo {value}"))),
                None => library(scan, node, HUGGINGFACE, None),
            }
        }
        "load_dataset" => {
            for file in arguments
                .keyword("data_files")
                .map(|files| Arguments {
                    positional: vec![files],
                    keywords: Vec::new(),
                })
                .map(|files| files.literals(bytes))
                .unwrap_or_default()
            {
                url(scan, node, &file);
            }
            match arguments.literal(&["path"], 0, bytes) {
                Some(name) if PACKAGED_BUILDERS.contains(&name.as_str()) => {}
                value => hub(scan, "dataset", value),
            }
        }
        "pipeline" => {
            if let Some(model) = arguments.literal(&["model"], usize::MAX, bytes) {
                hub(scan, "model", Some(model));
            } else if arguments.keyword("model").is_none()
                && root != "dsl"
                && let Some(task) = arguments.literal(&["task"], 0, bytes)
                // A transformers task name (`sentiment-analysis`), not another
                // library's pipeline name.
                && task
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                library(
                    scan,
                    node,
                    HUGGINGFACE,
                    Some(format!("default model for {task}")),
                );
            }
        }
        "SentenceTransformer" | "CrossEncoder" => {
            hub(
                scan,
                "model",
                arguments.literal(&["model_name_or_path"], 0, bytes),
            );
        }
        "create_model" if root == "timm" && arguments.is_set("pretrained", bytes) => {
            hub(scan, "model", arguments.literal(&["model_name"], 0, bytes));
        }
        "load" | "list" | "help" if has("hub") && root != "tensorflow_hub" && root != "hub" => {
            let source = arguments.literal(&["source"], usize::MAX, bytes);
            if source.as_deref() == Some("local") {
                return;
            }
            match arguments.literal(&["repo_or_dir", "github"], 0, bytes) {
                Some(repo) if remote::has_scheme(&repo) => url(scan, node, &repo),
                Some(repo) if hub_id(repo.split(':').next().unwrap_or("")).is_some() => {
                    library(scan, node, TORCH_HUB, Some(format!("repo {repo}")));
                }
                Some(_) => {}
                None => library(scan, node, TORCH_HUB, None),
            }
        }
        "download" if root == "nltk" => {
            let what = arguments
                .literal(&["info_or_id"], 0, bytes)
                .map_or_else(|| "nltk data".to_string(), |id| format!("nltk data {id}"));
            library(scan, node, NLTK, Some(what));
        }
        "download" if root == "spacy" => {
            let model = arguments.literal(&["model"], 0, bytes);
            library(
                scan,
                node,
                SPACY,
                model.map(|model| format!("spaCy model {model}")),
            );
        }
        "load" if root == "spacy" => {
            if let Some(model) = arguments.literal(&["name"], 0, bytes)
                && hub_id(&model).is_some_and(|model| !model.contains('/'))
            {
                library(scan, node, SPACY, Some(format!("spaCy model {model}")));
            }
        }
        "get_encoding" | "encoding_for_model" if root == "tiktoken" => {
            let value = arguments.literal(&["encoding_name", "model_name"], 0, bytes);
            let what = if last == "get_encoding" {
                value.map(|value| format!("encoding {value}"))
            } else {
                value.map(|value| format!("encoding for {value}"))
            };
            library(scan, node, TIKTOKEN, what);
        }
        "load_model" if root == "whisper" => {
            if let Some(name) = arguments.literal(&["name"], 0, bytes)
                && hub_id(&name).is_some_and(|name| !name.contains('/'))
            {
                library(scan, node, WHISPER, Some(format!("Whisper model {name}")));
            }
        }
        "fetch_openml" => {
            let what = arguments
                .literal(&["name"], 0, bytes)
                .map(|name| format!("OpenML data set {name}"));
            library(scan, node, OPENML, what);
        }
        name if FIGSHARE_FETCHERS.contains(&name) => {
            let what = name.strip_prefix("fetch_").unwrap_or(name);
            library(scan, node, FIGSHARE, Some(format!("data set {what}")));
        }
        "load" | "builder" if root == "tfds" || root == "tensorflow_datasets" => {
            let what = arguments
                .literal(&["name"], 0, bytes)
                .map(|name| format!("data set {name}"));
            library(scan, node, TFDS, what);
        }
        "load_data" if has("datasets") => {
            let name = callee.split('.').rev().nth(1).unwrap_or("data");
            // Keras keeps its data sets on Google Cloud Storage, except CIFAR's archives.
            let id = if matches!(name, "cifar10" | "cifar100") {
                CIFAR
            } else {
                KERAS
            };
            library(scan, node, id, Some(format!("data set {name}")));
        }
        // torchvision's data sets download only when asked (`download=True`).
        "MNIST" | "FashionMNIST" | "CIFAR10" | "CIFAR100"
            if arguments.is_set("download", bytes) =>
        {
            let id = match last {
                "MNIST" => TORCHVISION_MNIST,
                "FashionMNIST" => TORCHVISION_FASHION_MNIST,
                _ => CIFAR,
            };
            library(scan, node, id, Some(format!("data set {last}")));
        }
        "YOLO" | "RTDETR" => {
            if let Some(weights) = arguments.literal(&["model"], 0, bytes)
                && std::path::Path::new(&weights)
                    .extension()
                    .is_some_and(|extension| extension.eq_ignore_ascii_case("pt"))
                && !weights.contains(['/', '\\'])
            {
                library(scan, node, ULTRALYTICS, Some(format!("weights {weights}")));
            }
        }
        "init" if root == "wandb" => library(scan, node, WANDB, None),
        "MLClient" => library(scan, node, AZURE_ML, None),
        "from_config" if root == "Workspace" || root == "MLClient" => {
            library(scan, node, AZURE_ML, None);
        }
        "set_tracking_uri" => match arguments.literal(&["uri"], 0, bytes) {
            Some(uri) if uri.starts_with("azureml:") => library(scan, node, AZURE_ML, None),
            Some(uri) => url(scan, node, &uri),
            None => {}
        },
        "OpenAI" | "AsyncOpenAI" => match arguments.literal(&["base_url"], usize::MAX, bytes) {
            Some(base) => url(scan, node, &base),
            None => library(scan, node, OPENAI, None),
        },
        "AzureOpenAI" | "AsyncAzureOpenAI" | "AzureChatOpenAI" | "AzureOpenAIEmbeddings" => {
            match arguments.literal(&["azure_endpoint", "base_url"], usize::MAX, bytes) {
                Some(endpoint) => url(scan, node, &endpoint),
                None => library(scan, node, AZURE_OPENAI, None),
            }
        }
        "setdefault" if callee.ends_with("environ.setdefault") => {
            setting(scan, node, &arguments, bytes);
        }
        "putenv" => setting(scan, node, &arguments, bytes),
        "update" if callee.ends_with("environ.update") => {
            for (name, value) in &arguments.keywords {
                if let Some(value) = literal(*value, bytes) {
                    push(
                        scan,
                        node,
                        Found::Setting {
                            name: name.clone(),
                            value,
                        },
                    );
                }
            }
        }
        name if URL_CALLS.contains(&name) => {
            for value in arguments.literals(bytes) {
                url(scan, node, &value);
            }
        }
        name if SHELL_CALLS.contains(&name) && (root == "os" || root == "subprocess") => {
            let words = arguments.literals(bytes);
            if words
                .iter()
                .any(|word| word.contains("curl") || word.contains("wget"))
            {
                for word in words {
                    for token in word.split_whitespace() {
                        url(scan, node, token.trim_matches(['"', '\'']));
                    }
                }
            }
        }
        _ => {}
    }
    // Pretrained weights by keyword: Keras applications (`weights="imagenet"`) and
    // torchvision (`models.resnet50(weights=…)`, `pretrained=True`).
    let weights = arguments.keyword("weights");
    let weights_literal = weights.and_then(|weights| literal(weights, bytes));
    if weights_literal.as_deref() == Some("imagenet") {
        library(
            scan,
            node,
            KERAS,
            Some(format!("imagenet weights for {last}")),
        );
    } else if has("models")
        && (arguments.is_set("pretrained", bytes)
            || (arguments.is_set("weights", bytes)
                && weights_literal.is_none_or(|value| !value.contains(['.', '/', '\\']))))
    {
        library(
            scan,
            node,
            PYTORCH_WEIGHTS,
            Some(format!("pretrained weights for {last}")),
        );
    }
}

/// `os.environ.setdefault("NAME", "value")`, `os.putenv("NAME", "value")`.
fn setting(scan: &mut Scan, node: Node<'_>, arguments: &Arguments<'_>, bytes: &[u8]) {
    if let (Some(name), Some(value)) = (
        arguments.literal(&[], 0, bytes),
        arguments.literal(&[], 1, bytes),
    ) {
        push(scan, node, Found::Setting { name, value });
    }
}

/// `os.environ["NAME"] = "value"`.
fn assignment(node: Node<'_>, bytes: &[u8], scan: &mut Scan) {
    let (Some(left), Some(right)) = (
        node.child_by_field_name("left"),
        node.child_by_field_name("right"),
    ) else {
        return;
    };
    if left.kind() != "subscript" {
        return;
    }
    let Some(target) = left.child_by_field_name("value") else {
        return;
    };
    let target = dotted(target, bytes);
    if target != "environ" && !target.ends_with(".environ") {
        return;
    }
    let name = left
        .child_by_field_name("subscript")
        .and_then(|subscript| literal(subscript, bytes));
    if let (Some(name), Some(value)) = (name, literal(right, bytes)) {
        push(scan, node, Found::Setting { name, value });
    }
}

/// `import gensim.downloader`, `from gensim import downloader`.
fn import(node: Node<'_>, bytes: &[u8], scan: &mut Scan) {
    let statement = text(node, bytes);
    let compact: String = statement.split_whitespace().collect::<Vec<_>>().join(" ");
    if compact.contains("gensim.downloader")
        || (compact.starts_with("from gensim import") && compact.contains("downloader"))
    {
        library(scan, node, GENSIM, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the statement would be parsed.
    fn parsed(statement: &str) -> bool {
        worth_parsing(cues(statement).into_iter().map(|(_, cue)| cue))
    }

    #[test]
    fn mentions_are_not_parsed_and_calls_are() {
        for statement in [
            "from azure.ai.ml import MLClient, Workspace",
            "from transformers import pipeline, AutoModel as weights",
            "@pipeline(\n    compute='cpu-cluster',\n)\ndef train(x):\n    return step(x)\n",
            "@dsl.pipeline(description='x')\ndef train():\n    pass\n",
            "job = dsl.pipeline(train)",
            "def pipeline(data):\n    return data\n",
            "pipeline_job = my_pipeline(data)",
            "print('docs at https://learn.microsoft.com/azure')",
            "url = 'https://example.com/data.csv'",
            "token = os.environ.get('TOKEN')",
            "if os.environ['MODE'] == 'x':\n    pass\n",
            "timm_model = create(weights_path)",
            "link = 'https://github.com/hub'",
            "model = timm.list_models()",
            "load_dataset_name = 'x'",
            "import nltk",
            "mlflow.set_tracking_uri(MLFLOW_TRACKING_URI)",
            "mlflow.set_tracking_uri( uri )",
        ] {
            assert!(!parsed(statement), "parsed: {statement}");
        }
        // A name handed to `set_tracking_uri` is not parsed, and a parse finds nothing.
        let source = "mlflow.set_tracking_uri(uri)\n";
        assert!(scan_with(source, None).found.is_empty());
        for statement in [
            "ml_client = MLClient(credential, sub, rg, ws)",
            "ml_client = MLClient.from_config(credential)",
            "ws = Workspace.from_config()",
            "clf = pipeline('sentiment-analysis')",
            "clf = transformers.pipeline (task='summarization')",
            "os.environ['HF_ENDPOINT'] = 'https://mirror'",
            "os.environ [ 'HF_HUB_OFFLINE' ]='1'",
            "os.environ.setdefault('HF_HOME', '/x')",
            "os.environ.update(HF_ENDPOINT='https://m')",
            "os.putenv('A', 'b')",
            "r = requests.get('https://example.com/x.json')",
            "subprocess.run(['wget', 'https://example.com/x'])",
            "m = timm.create_model('resnet50', pretrained=True)",
            "X, y = fetch_openml('mnist_784', return_X_y=True)",
            "m = torch.hub.load('pytorch/vision', 'resnet18')",
            "e = AzureOpenAIEmbeddings(model='x')",
            "m = models.resnet50(weights = 'IMAGENET1K_V1')",
            "tok = AutoTokenizer.from_pretrained('bert-base-uncased')",
            "ds = load_dataset('squad')",
            "mlflow.set_tracking_uri('azureml://x')",
            "mlflow.set_tracking_uri(uri='https://mlflow.example.com')",
            "mlflow.set_tracking_uri(ws.get_mlflow_tracking_uri())",
            "mlflow.set_tracking_uri(1)",
            "(x, y), _ = keras.datasets.mnist.load_data()",
            "nltk.download('punkt')",
            "import gensim.downloader as api",
            "mlflow.set_tracking_uri(uri + path)",
            "wandb.init(project='x')",
        ] {
            assert!(parsed(statement), "not parsed: {statement}");
        }
    }

    #[test]
    fn lines_are_parsed_alone_in_their_places() {
        // A header line is completed, a decorator needs its whole statement.
        let source = "class A:\n    def f(self):\n        for row in load_dataset('squad'):\n            pass\n";
        let found = scan(source).found;
        assert_eq!(found, scan_with(source, None).found);
        assert_eq!((found.len(), found[0].1, found[0].2), (1, 2, 19));
        let decorated = format!("{source}    @cache(weights='imagenet')\n    def g(self): pass\n");
        let found = scan(&decorated).found;
        assert_eq!(found, scan_with(&decorated, None).found);
        assert_eq!(found.len(), 2);
        assert_eq!((found[1].1, found[1].2), (4, 5));
    }

    #[test]
    fn client_calls_found_without_a_parse_are_where_a_parse_finds_them() {
        for source in [
            "c = MLClient(cred, sub, rg, ws)\n",
            "c = azure.ai.ml.MLClient(cred)\n",
            "c = get().MLClient(cred)\n",
            "c = x[0].MLClient(cred)\n",
            "c = x .MLClient(cred)\n",
            "print('MLClient(')\n",
            "x = 1  # MLClient(\n",
            "c = [MLClient(a), MLClient(b)]\n",
            "c = (\n    1,\n    MLClient(a),\n)\n",
            "s = '''\nMLClient(\n'''\nc = MLClient(a)\n",
            "c = f'{MLClient(a)}'\n",
            "if x:\n    c = MLClient(a)\nelse:\n    c = MLClient.from_config(b)\n",
            "c = MLClient(a, weights='imagenet')\n",
            "c = MLClient(MLClient(a))\n",
            "s = 'it\\'s'; c = MLClient(a)\n",
            "c = MLClient.from_config(cred)\n",
            "c = MLClient.from_config(credential=MLClient(a))\n",
            "c = azure.ai.ml.MLClient.from_config(cred)\n",
            "c = Workspace.MLClient.from_config(cred)\n",
            "c = Workspace.XMLClient.from_config(cred)\n",
            "c = MLClient.from_config (cred)\n",
            "c = MLClient .from_config(cred)\n",
            "f = MLClient.from_config\n",
            "c = f(MLClient.from_config(cred))\n",
            "c = x . MLClient.from_config(cred)\n",
            "print('MLClient.from_config(')\n",
            "c = MLClient.from_config(cred); d = MLClient.from_config(e)\n",
            "c = MLClient.from_config(cred, path=\"a(b\")\n",
            "c = MLClient.from_config(f(x), [1, 2])  # comment\n",
            "c = MLClient.from_config(cred) + 1\n",
            "c = MLClient.from_config(\n    credential=cred,\n)\n",
            "with `MLClient.from_config(DefaultAzureCredential())`.\n",
            "self.c = MLClient.from_config(cred)\n",
            "c == MLClient.from_config(cred)\n",
        ] {
            assert_eq!(
                scan(source).found,
                scan_with(source, None).found,
                "in:\n{source}"
            );
        }
        assert_eq!(scan("c = (\n    1,\n    MLClient(a),\n)\n").found[0].1, 2);
        assert!(scan("print('MLClient(')\n").found.is_empty());
        // The plain shapes are reported without a parse (0); the others go to the parser.
        for (source, pieces_parsed) in [
            ("c = MLClient(cred, sub, rg, ws)\n", 0),
            ("c = azure.ai.ml.MLClient(cred)\n", 0),
            ("c = MLClient.from_config(cred)\n", 0),
            (
                "    c = MLClient.from_config(credential=c, path=\"config.json\")\n",
                0,
            ),
            ("c = MLClient.from_config(\n    credential=cred,\n)\n", 0),
            ("c = MLClient.from_config(cred, path=\"a(b\")\n", 0),
            ("c = get().MLClient(cred)\n", 1),
            ("c = azure.ai.ml.MLClient.from_config(cred)\n", 1),
            ("c = MLClient.from_config(cred) + 1\n", 1),
            ("c = MLClient.from_config(cred, path='''a''')\n", 1),
            (
                "with `MLClient.from_config(DefaultAzureCredential())`.\n",
                1,
            ),
        ] {
            assert_eq!(parses(source), pieces_parsed, "in: {source}");
            assert_eq!(scan(source).found, scan_with(source, None).found);
        }
    }

    /// How many pieces of `source` the filtered scan would parse.
    fn parses(source: &str) -> usize {
        let lines = logical_lines(source);
        let found = cues(source);
        statements(source, &lines)
            .iter()
            .flat_map(|statement| pieces(source, &lines, statement, &found))
            .filter(|work| matches!(work, Work::Parse(_)))
            .count()
    }

    #[test]
    fn text_without_the_necessary_words_is_never_worth_a_parse() {
        assert!(NECESSARY.is_some());
        // Every cue that alone makes text worth a parse is among the words searched.
        for (word, shape, cue) in TRIGGERS {
            if *cue == Cue::Parse {
                assert!(holds_necessary_words(word), "{word} ({shape:?})");
            }
        }
        assert!(holds_necessary_words("x = fetch_california_housing()"));
        assert!(holds_necessary_words("timm"));
        assert!(holds_necessary_words("http://"));
        assert!(holds_necessary_words(
            "x = sklearn.datasets.fetch_openml('mnist')"
        ));
        assert!(holds_necessary_words("a=1;os.environ['X']='y'"));
        assert!(holds_necessary_words("ds = load_dataset('squad')"));
        assert!(holds_necessary_words("x.load_data()"));
        for text in [
            "import os\nprint(os.getcwd())\n",
            "r = requests.get(url)\n",
            "m = create_model('resnet50')\n",
            "env = Environment(image='x')\n",
            "my_fetch_data = prefetch_all(github_hub_url)\n",
            "timmy = 1\n",
        ] {
            assert!(!holds_necessary_words(text), "{text}");
            assert!(!may_contain_calls(text));
        }
        assert!(may_contain_calls(
            "r = requests.get('https://example.com/x')\n"
        ));
        assert!(may_contain_calls("m = timm.create_model('resnet50')\n"));
    }

    #[test]
    fn every_trigger_fits_the_table_once() {
        let mut words: Vec<&str> = TRIGGERS
            .iter()
            .map(|(word, _, _)| *word)
            .chain(URL_CALLS.iter().copied())
            .chain(SHELL_CALLS.iter().copied())
            .collect();
        assert!(
            words
                .iter()
                .all(|word| !word.is_empty() && word.len() < LONGEST)
        );
        assert!(
            words
                .iter()
                .all(|word| word.bytes().all(is_identifier_byte))
        );
        let count = words.len();
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), count, "a word is listed twice");
    }

    /// The cues only skip work: on every Python fixture and every code cell of the
    /// azureml-examples corpus, the filtered scan finds exactly what parsing every
    /// statement finds.
    #[test]
    fn the_filter_never_hides_a_finding() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut sources = Vec::new();
        let mut directories = vec![
            root.join("tests/fixtures"),
            root.join("../shared/corpus/azureml-examples"),
        ];
        while let Some(directory) = directories.pop() {
            let Ok(entries) = std::fs::read_dir(&directory) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    directories.push(path);
                } else if path.extension().is_some_and(|extension| extension == "py") {
                    sources.push(std::fs::read_to_string(&path).unwrap_or_default());
                } else if path
                    .extension()
                    .is_some_and(|extension| extension == "ipynb")
                {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    let Ok(notebook) = serde_json::from_str::<serde_json::Value>(&text) else {
                        continue;
                    };
                    for cell in notebook["cells"].as_array().into_iter().flatten() {
                        let code: String = match &cell["source"] {
                            serde_json::Value::Array(lines) => {
                                lines.iter().filter_map(serde_json::Value::as_str).collect()
                            }
                            serde_json::Value::String(text) => text.clone(),
                            _ => continue,
                        };
                        // Magic and shell lines blanked, as the notebook reader does.
                        let code: String = code
                            .lines()
                            .map(|line| {
                                if line.trim_start().starts_with(['%', '!']) {
                                    "\n".to_string()
                                } else {
                                    format!("{line}\n")
                                }
                            })
                            .collect();
                        sources.push(code);
                    }
                }
            }
        }
        assert!(
            sources.len() > 1_000,
            "the corpus is missing: {}",
            sources.len()
        );
        let mut findings = 0;
        for source in &sources {
            let filtered = scan(source).found;
            let everything = scan_with(source, None).found;
            assert_eq!(filtered, everything, "in:\n{source}");
            findings += filtered.len();
        }
        assert!(findings > 100, "only {findings} findings");
    }

    fn libraries(source: &str) -> Vec<(String, Option<String>)> {
        scan(source)
            .found
            .into_iter()
            .filter_map(|(found, _, _)| match found {
                Found::Library { library, fetches } => Some((library.to_string(), fetches)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn top_level_statements_split_outside_strings_and_brackets() {
        let source = "import a\n\n@dec\ndef f():\n    x = '''\nnot_a_statement\n'''\n    return x\nif a:\n    pass\nelse:\n    pass\ncall(\nb)\ny = 1 \\\n+ 2\n# c\nz = 3\n";
        let statements: Vec<(&str, usize)> = top_level_statements(source)
            .into_iter()
            .map(|(start, end, row)| (&source[start..end], row))
            .collect();
        assert_eq!(
            statements,
            [
                ("import a\n\n", 0),
                (
                    "@dec\ndef f():\n    x = '''\nnot_a_statement\n'''\n    return x\n",
                    2
                ),
                ("if a:\n    pass\nelse:\n    pass\n", 8),
                ("call(\nb)\n", 12),
                ("y = 1 \\\n+ 2\n# c\n", 14),
                ("z = 3\n", 17),
            ]
        );
    }

    #[test]
    fn rows_count_from_the_file_start() {
        let source = "import os\n\n\ndef f():\n    pass\n\n\nnltk.download('punkt')\n";
        let found = scan(source).found;
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].1, found[0].2), (7, 0));
    }

    #[test]
    fn hub_ids_exclude_local_paths() {
        assert_eq!(hub_id("bert-base-uncased"), Some("bert-base-uncased"));
        assert_eq!(hub_id("org/name"), Some("org/name"));
        for local in [
            "./model",
            "/mnt/model",
            "~/m",
            "azureml://x",
            "a/b/c",
            "C:\\m",
            "c:m",
            "",
        ] {
            assert_eq!(hub_id(local), None, "{local}");
        }
    }

    #[test]
    fn comments_and_docstrings_do_not_count() {
        let source =
            "\"\"\"AutoModel.from_pretrained('a/b')\"\"\"\n# from_pretrained('c/d')\nx = 1\n";
        assert!(libraries(source).is_empty());
    }

    #[test]
    fn torchvision_weights_need_a_value() {
        assert_eq!(
            libraries("models.resnet50(weights=ResNet50_Weights.DEFAULT)\n").len(),
            1
        );
        assert!(libraries("models.resnet50(weights=None)\n").is_empty());
        assert!(libraries("models.resnet50(pretrained=False)\n").is_empty());
        assert_eq!(libraries("models.resnet50(pretrained=True)\n").len(), 1);
    }

    #[test]
    fn a_broken_line_keeps_the_rest() {
        let result = scan("x = (\nnltk.download('punkt')\ndef f(:\n    pass\n");
        assert!(result.syntax_error.is_some());
        assert!(result.found.iter().any(
            |(found, _, _)| matches!(found, Found::Library { library, .. } if *library == NLTK)
        ));
    }
}
