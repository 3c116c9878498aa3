//! Blank returns generated from the schemas, so that what the secretariat
//! sends out is guaranteed to come back machine-readable.
//!
//! Three formats, each read back by the ingest stage: a protected workbook
//! ([`xlsx`], SPEC 4), a native XML return ([`xml`], SPEC 5) and an XLSForm
//! for online collection ([`xlsform`], SPEC 5.1). Every template is a pure
//! function of the schemas: the same schemas give the same bytes.

pub mod xlsform;
pub mod xlsx;
pub mod xml;

use std::collections::BTreeMap;
use std::io;

use crate::model::Lang;
use crate::schema::{Questionnaire, Vocabulary};

/// The format of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A workbook in one language (SPEC 4).
    Xlsx,
    /// A native XML return in one language (SPEC 5).
    Xml,
    /// An XLSForm in all six languages, for ODK Central and KoboToolbox (SPEC 5.1).
    XlsForm,
}

impl Format {
    /// Whether a template of this format is written in one language.
    pub fn has_language(self) -> bool {
        self != Format::XlsForm
    }

    /// The file name `--all` gives a template: `UNTOC-2026-fr.xlsx`,
    /// `UNTOC-2026-fr.xml`, `UNTOC-2026-xlsform.xlsx`.
    pub fn file_name(self, questionnaire: &str, lang: Lang) -> String {
        match self {
            Format::Xlsx => format!("{questionnaire}-{}.xlsx", lang.code()),
            Format::Xml => format!("{questionnaire}-{}.xml", lang.code()),
            Format::XlsForm => format!("{questionnaire}-xlsform.xlsx"),
        }
    }
}

/// Why a template could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The workbook writer refused something (a name, a list, a limit).
    #[error("cannot build the workbook: {0}")]
    Workbook(#[from] rust_xlsxwriter::XlsxError),
    /// Writing the bytes failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// The template of `q` in `format` (the language is ignored by the XLSForm,
/// which holds all six).
pub fn render(
    q: &Questionnaire,
    vocab: &Vocabulary,
    format: Format,
    lang: Lang,
) -> Result<Vec<u8>, TemplateError> {
    match format {
        Format::Xlsx => xlsx::write(q, vocab, lang),
        Format::XlsForm => xlsform::write(q, vocab),
        Format::Xml => {
            let mut buf = Vec::new();
            xml::write(q, vocab, lang, &mut buf)?;
            Ok(buf)
        }
    }
}

/// A text in `lang`, else in English; and whether it was in `lang`.
pub(crate) fn text_in(texts: &BTreeMap<String, String>, lang: Lang) -> (&str, bool) {
    match texts.get(lang.code()) {
        Some(t) => (t.as_str(), true),
        None => (texts.get("en").map_or("", String::as_str), false),
    }
}

/// The document properties of a generated workbook, with a fixed creation
/// date so that two runs give the same bytes.
pub(crate) fn properties(
    title: &str,
    subject: String,
) -> Result<rust_xlsxwriter::DocProperties, rust_xlsxwriter::XlsxError> {
    Ok(rust_xlsxwriter::DocProperties::new()
        .set_title(title)
        .set_subject(subject)
        .set_author("art32")
        .set_creation_datetime(&rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 1, 1)?))
}

/// Whether any title or question text of `q` is missing in `lang`.
pub(crate) fn falls_back(q: &Questionnaire, lang: Lang) -> bool {
    let has = |t: &BTreeMap<String, String>| t.contains_key(lang.code());
    !has(&q.title) || q.sections.iter().any(|s| !has(&s.title)) || q.questions.iter().any(|x| !has(&x.text))
}

/// The few sentences a template says itself, in its language (everything
/// else comes from the schemas and the vocabulary).
pub(crate) struct Phrases {
    /// The name of the cover sheet or group.
    pub cover: &'static str,
    /// How to fill in the workbook.
    pub instructions: &'static str,
    /// Some texts are given in English.
    pub fallback: &'static str,
    /// Before the choices of a multi-choice question.
    pub several: &'static str,
}

/// The phrases of `lang`.
pub(crate) fn phrases(lang: Lang) -> &'static Phrases {
    match lang {
        Lang::Ar => &Phrases {
            cover: "الغلاف",
            instructions: "يرجى ملء الخلايا الملونة: الغلاف في العمود C، ثم الإجابات في كل ورقة. لا تغيّروا العمود A ولا صفوف العناوين، فهي تُقرأ آلياً.",
            fallback: "بعض النصوص غير متاحة بعد باللغة العربية، وهي مقدمة باللغة الإنكليزية.",
            several: "خيار واحد أو أكثر، مفصولة بـ «;»:",
        },
        Lang::En => &Phrases {
            cover: "Cover",
            instructions: "Fill in the coloured cells: the cover in column C, then the answers on each sheet. Do not change column A or the header rows: they are read by machine.",
            fallback: "Some texts are not yet available in this language and are given in English.",
            several: "One or more of, separated by \";\":",
        },
        Lang::Es => &Phrases {
            cover: "Portada",
            instructions: "Rellene las celdas en color: la portada en la columna C y, a continuación, las respuestas de cada hoja. No modifique la columna A ni las filas de encabezado: se leen automáticamente.",
            fallback: "Algunos textos aún no están disponibles en español y figuran en inglés.",
            several: "Una o varias opciones, separadas por «;»:",
        },
        Lang::Fr => &Phrases {
            cover: "Page de garde",
            instructions: "Remplissez les cellules en couleur : la page de garde en colonne C, puis les réponses sur chaque feuille. Ne modifiez ni la colonne A ni les lignes d'en-tête : elles sont lues par machine.",
            fallback: "Certains textes ne sont pas encore disponibles en français et sont donnés en anglais.",
            several: "Une ou plusieurs réponses, séparées par « ; » :",
        },
        Lang::Ru => &Phrases {
            cover: "Титульный лист",
            instructions: "Заполните выделенные цветом ячейки: титульный лист в столбце C, затем ответы на каждом листе. Не изменяйте столбец A и строки заголовков: они считываются автоматически.",
            fallback: "Некоторые тексты пока отсутствуют на русском языке и приводятся на английском.",
            several: "Один или несколько вариантов через «;»:",
        },
        Lang::Zh => &Phrases {
            cover: "封面",
            instructions: "请填写带颜色的单元格：先填写封面C列，再填写各工作表中的答复。请勿修改A列或标题行：这些内容由机器读取。",
            fallback: "部分文本尚无中文版本，以英文提供。",
            several: "可选一项或多项，以\";\"分隔：",
        },
    }
}
