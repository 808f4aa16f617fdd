//! Python source files (`*.py`): calls that download when the code runs — model hubs,
//! data-set loaders, pretrained weights, literal URLs fetched over HTTP — and environment
//! settings that move or stop those downloads (`HF_ENDPOINT`, `HF_HUB_OFFLINE`). What
//! counts is decided in [`super::python_calls`], shared with notebook code cells.
//!
//! A file that names none of the trigger words is not parsed at all, so scanning a large
//! tree of Python stays about as fast as reading it. A file that does not parse is a
//! warning at the first error; the calls in the rest of it still count (tree-sitter
//! recovers around the broken statement). The code is never run or imported.

use crate::diagnostic::{Code, Diagnostic};
use crate::formats::Candidate;
use crate::formats::ParseContext;
use crate::formats::python_calls::{self, Found};
use crate::model::{Installer, Manifest, Role, RuntimeUse};
use crate::source::{Location, SourceFile};

pub struct PythonSource;

pub const NAME: &str = "python/source";

impl super::Format for PythonSource {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "Python source"
    }

    fn files(&self) -> &'static str {
        r"`*.py`"
    }

    fn reads(&self) -> &'static str {
        r#"run-time downloads (kind `runtime`): `from_pretrained`, `hf_hub_download`, `snapshot_download`, `load_dataset`, `pipeline(model=…)`, `SentenceTransformer(…)`, `timm.create_model(…, pretrained=True)`, `torch.hub.load`, torchvision `weights=`, torchvision's `MNIST`/`FashionMNIST`/`CIFAR10`/`CIFAR100` with `download=True`, Keras `weights="imagenet"` and `datasets.*.load_data()`, `nltk.download`, `spacy.load`/`spacy.cli.download`, `tiktoken.get_encoding`, `whisper.load_model`, scikit-learn `fetch_*`, `tfds.load`, `kagglehub.dataset_download`/`model_download`/`load_dataset`, `gensim.downloader`, `YOLO(…)`, `wandb.init`, `MLClient`, `OpenAI`/`AzureOpenAI`; literal `http(s)://` URLs passed to requests, httpx, urllib, wget, `curl` commands and pandas readers; `os.environ[…] = …` settings (`HF_ENDPOINT`, `HF_HUB_OFFLINE`, …). Parsed with tree-sitter: comments and docstrings never count; local paths are no hosts"#
    }

    fn matches(&self, candidate: &Candidate<'_>) -> bool {
        candidate.extension() == Some("py")
    }

    fn parse(&self, file: &SourceFile, _context: &ParseContext) -> Manifest {
        let mut manifest = Manifest::new(&file.path, NAME, Installer::Pip, Role::Code);
        // `scan` finds the trigger words itself and stops when there are none; discovery
        // has usually asked `says_nothing` already.
        let scan = python_calls::scan(&file.text);
        if let Some((row, column)) = scan.syntax_error {
            manifest.diagnostics.push(
                Diagnostic::at(
                    Code::SyntaxError,
                    file,
                    location_of(file, row, column),
                    "not valid Python here; the calls in the rest of the file are still read",
                )
                .with_help("fix the syntax; code that does not parse may hide downloads"),
            );
        }
        manifest.runtime = scan
            .found
            .into_iter()
            .map(|(found, row, column)| runtime_use(found, location_of(file, row, column)))
            .collect();
        manifest
    }

    fn says_nothing(&self, text: &str) -> bool {
        !python_calls::may_contain_calls(text)
    }
}

/// A 0-based row and byte column of the file as a 1-based location.
fn location_of(file: &SourceFile, row: usize, column: usize) -> Location {
    let start = file.line_location(row + 1, 1);
    let line_text = file
        .line_text(u32::try_from(row + 1).unwrap_or(u32::MAX))
        .unwrap_or("");
    let characters = line_text
        .get(..column)
        .map_or(column, |head| head.chars().count());
    Location::new(
        start.path,
        start.line,
        u32::try_from(characters + 1).unwrap_or(u32::MAX),
    )
}

/// A finding at its place.
pub(crate) fn runtime_use(found: Found, at: Location) -> RuntimeUse {
    match found {
        Found::Library { library, fetches } => RuntimeUse::Library {
            library,
            fetches,
            at,
        },
        Found::Url { remote, fetches } => RuntimeUse::Url {
            remote,
            fetches,
            at,
        },
        Found::Setting { name, value } => RuntimeUse::Setting { name, value, at },
    }
}
