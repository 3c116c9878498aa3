//! The human text of the reports (`report.html`, `report.xlsx`) in the six
//! languages of the Conference. Phrases may hold placeholders in braces
//! (`{id}`), filled by [`fill`]. The English phrases are the reports' text
//! when no `--labels` language is asked for, so they must not change lightly:
//! tests compare the English page with its expected content.

use crate::model::Lang;

/// Every phrase of the reports, in one language.
#[derive(Debug)]
pub struct Phrases {
    /// Page and workbook title: `{id}`, `{title}`.
    pub cycle_title: &'static str,
    /// Line under the page title: `{deadline}`, `{as_of}`.
    pub cycle_sub: &'static str,
    /// Heading of the headline figures.
    pub headline: &'static str,
    /// Figure caption: returns accepted.
    pub fig_returns: &'static str,
    /// Figure caption, after a percentage: required questionnaires returned
    /// (complete or not: the next figures tell them apart).
    pub fig_rate: &'static str,
    /// Figure caption: obligations complete.
    pub fig_complete: &'static str,
    /// Figure caption: obligations incomplete.
    pub fig_incomplete: &'static str,
    /// Figure caption: obligations missing.
    pub fig_missing: &'static str,
    /// Figure caption: States to follow up.
    pub fig_followup: &'static str,
    /// Figure caption: needs declared.
    pub fig_needs: &'static str,
    /// Figure caption: files rejected.
    pub fig_rejected: &'static str,
    /// Chart title: reporting rate by instrument.
    pub rate_by_instrument: &'static str,
    /// Chart title: reporting rate by regional group.
    pub rate_by_region: &'static str,
    /// Column header: instrument.
    pub instrument: &'static str,
    /// Column header: regional group.
    pub regional_group: &'static str,
    /// Bar label of the States outside any regional group.
    pub no_regional_group: &'static str,
    /// Column header of the States outside any regional group.
    pub no_group: &'static str,
    /// A percentage: `{n}`.
    pub percent: &'static str,
    /// Bar text: `{rate}`, `{returned}`, `{required}`.
    pub bar_text: &'static str,
    /// Caption of a chart's table: `{title}`.
    pub figures_caption: &'static str,
    /// Column header: required returns.
    pub required: &'static str,
    /// Column header: returns received.
    pub returned: &'static str,
    /// Column header: complete returns.
    pub complete: &'static str,
    /// Column header: reporting rate.
    pub reporting_rate: &'static str,
    /// Heading of the needs heat map.
    pub heat_title: &'static str,
    /// Description of the needs heat map.
    pub heat_description: &'static str,
    /// Column header: priority area.
    pub priority_area: &'static str,
    /// Column header: total.
    pub total: &'static str,
    /// Heading of the follow-up table: `{n}`.
    pub followup_title: &'static str,
    /// Column header: State.
    pub state: &'static str,
    /// Column header: regional group (short).
    pub group: &'static str,
    /// Column header: what is missing.
    pub what_is_missing: &'static str,
    /// Column header: focal point.
    pub focal_point: &'static str,
    /// No focal point is known.
    pub none_known: &'static str,
    /// No State needs following up.
    pub all_met: &'static str,
    /// Heading of the rejected files: `{n}`.
    pub rejected_title: &'static str,
    /// Column header: file.
    pub file: &'static str,
    /// Column header: reason.
    pub reason: &'static str,
    /// Column header: message.
    pub message: &'static str,
    /// No file was rejected.
    pub none_rejected: &'static str,
    /// Footer, the cycle: `{id}`, `{deadline}`, `{as_of}`.
    pub footer_cycle: &'static str,
    /// Footer, the questionnaires: `{list}`.
    pub footer_questionnaires: &'static str,
    /// Footer, one questionnaire: `{id}`, `{version}`, `{questions}`.
    pub footer_questionnaire: &'static str,
    /// Separator of the footer's list of questionnaires.
    pub list_sep: &'static str,
    /// Footer, the files: `{total}`, `{accepted}`, `{superseded}`, `{rejected}`, `{ignored}`.
    pub footer_files: &'static str,
    /// Footer, the register and the program: `{register}`, `{version}`.
    pub footer_register: &'static str,
    /// Workbook document title: `{id}`.
    pub xlsx_title: &'static str,
    /// Workbook line under the title: `{deadline}`, `{as_of}`.
    pub xlsx_deadline: &'static str,
    /// Column header: figure.
    pub xlsx_figure: &'static str,
    /// Column header: count.
    pub xlsx_count: &'static str,
    /// Workbook figure: files received.
    pub xlsx_files_received: &'static str,
    /// Workbook figure: files accepted.
    pub xlsx_files_accepted: &'static str,
    /// Workbook figure: files superseded.
    pub xlsx_files_superseded: &'static str,
    /// Workbook figure: files rejected.
    pub xlsx_files_rejected: &'static str,
    /// Workbook figure: files ignored.
    pub xlsx_files_ignored: &'static str,
    /// Workbook figure: obligations complete.
    pub xlsx_complete: &'static str,
    /// Workbook figure: obligations incomplete.
    pub xlsx_incomplete: &'static str,
    /// Workbook figure: obligations missing.
    pub xlsx_missing: &'static str,
    /// Workbook figure: States to follow up.
    pub xlsx_followup: &'static str,
    /// Workbook figure: needs declared.
    pub xlsx_needs: &'static str,
    /// Workbook figure: States declaring needs.
    pub xlsx_needs_states: &'static str,
    /// Workbook table title: reporting by instrument.
    pub xlsx_by_instrument: &'static str,
    /// Workbook table title: reporting by regional group.
    pub xlsx_by_region: &'static str,
    /// Column header: questionnaire.
    pub questionnaire: &'static str,
    /// Column header: all questionnaires.
    pub all_questionnaires: &'static str,
    /// Column header: incomplete returns.
    pub incomplete: &'static str,
    /// Column header: missing returns.
    pub missing: &'static str,
    /// Column header: complete rate.
    pub complete_rate: &'static str,
    /// An empty table.
    pub none: &'static str,
}

/// The phrases in `lang`; English when no language is given.
pub fn get(lang: Option<Lang>) -> &'static Phrases {
    match lang {
        None | Some(Lang::En) => &EN,
        Some(Lang::Ar) => &AR,
        Some(Lang::Es) => &ES,
        Some(Lang::Fr) => &FR,
        Some(Lang::Ru) => &RU,
        Some(Lang::Zh) => &ZH,
    }
}

/// `phrase` with each `{name}` replaced by its value. Values are inserted as
/// given (escape them first where the result is markup).
pub fn fill(phrase: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(phrase.len() + 32);
    let mut rest = phrase;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after
            .find('}')
            .and_then(|close| args.iter().find(|(k, _)| *k == &after[..close]).map(|(_, v)| (close, *v)));
        match value {
            Some((close, v)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// English.
static EN: Phrases = Phrases {
    cycle_title: "Reporting cycle {id}: {title}",
    cycle_sub: "Returns under article 32(5) of the Convention. Deadline {deadline}; States parties bound as of {as_of}.",
    headline: "Headline figures",
    fig_returns: "returns accepted",
    fig_rate: "of required questionnaires returned",
    fig_complete: "obligations complete",
    fig_incomplete: "obligations incomplete",
    fig_missing: "obligations missing",
    fig_followup: "States to follow up",
    fig_needs: "needs declared",
    fig_rejected: "files rejected",
    rate_by_instrument: "Reporting rate by instrument",
    rate_by_region: "Reporting rate by regional group",
    instrument: "Instrument",
    regional_group: "Regional group",
    no_regional_group: "No regional group",
    no_group: "No group",
    percent: "{n}%",
    bar_text: "{rate} ({returned} of {required})",
    figures_caption: "{title} (figures)",
    required: "Required",
    returned: "Returned",
    complete: "Complete",
    reporting_rate: "Reporting rate",
    heat_title: "Needs by priority area and regional group",
    heat_description: "Number of technical-assistance needs declared (need questions answered yes), by priority area of COP decision 3/4 and regional group of the State. Darker cells hold more needs.",
    priority_area: "Priority area",
    total: "Total",
    followup_title: "States to follow up ({n})",
    state: "State",
    group: "Group",
    what_is_missing: "What is missing",
    focal_point: "Focal point",
    none_known: "none known",
    all_met: "Every State party has met its reporting obligations.",
    rejected_title: "Rejected files ({n})",
    file: "File",
    reason: "Reason",
    message: "Message",
    none_rejected: "No file was rejected.",
    footer_cycle: "Inputs: cycle {id} (deadline {deadline}, parties bound as of {as_of});",
    footer_questionnaires: "questionnaires {list};",
    footer_questionnaire: "{id} version {version} ({questions} questions)",
    list_sep: ", ",
    footer_files: "{total} files received ({accepted} accepted, {superseded} superseded, {rejected} rejected, {ignored} ignored);",
    footer_register: "{register} entries in the register. Written by art32 {version}.",
    xlsx_title: "art32 report, cycle {id}",
    xlsx_deadline: "Deadline {deadline}; parties bound as of {as_of}",
    xlsx_figure: "Figure",
    xlsx_count: "Count",
    xlsx_files_received: "Files received",
    xlsx_files_accepted: "Files accepted",
    xlsx_files_superseded: "Files superseded",
    xlsx_files_rejected: "Files rejected",
    xlsx_files_ignored: "Files ignored",
    xlsx_complete: "Obligations complete",
    xlsx_incomplete: "Obligations incomplete",
    xlsx_missing: "Obligations missing",
    xlsx_followup: "States to follow up",
    xlsx_needs: "Needs declared",
    xlsx_needs_states: "States declaring needs",
    xlsx_by_instrument: "Reporting by instrument",
    xlsx_by_region: "Reporting by regional group",
    questionnaire: "Questionnaire",
    all_questionnaires: "All questionnaires",
    incomplete: "Incomplete",
    missing: "Missing",
    complete_rate: "Complete rate",
    none: "(none)",
};

/// French (with a no-break space before `:`, `;` and `%`).
static FR: Phrases = Phrases {
    cycle_title: "Cycle de rapports {id}\u{a0}: {title}",
    cycle_sub: "Réponses au titre du paragraphe 5 de l’article 32 de la Convention. Date limite\u{a0}: {deadline}\u{a0}; États parties liés au {as_of}.",
    headline: "Chiffres clés",
    fig_returns: "réponses acceptées",
    fig_rate: "des questionnaires requis renvoyés",
    fig_complete: "réponses complètes",
    fig_incomplete: "réponses incomplètes",
    fig_missing: "réponses non reçues",
    fig_followup: "États à relancer",
    fig_needs: "besoins déclarés",
    fig_rejected: "fichiers rejetés",
    rate_by_instrument: "Taux de réponse par instrument",
    rate_by_region: "Taux de réponse par groupe régional",
    instrument: "Instrument",
    regional_group: "Groupe régional",
    no_regional_group: "Aucun groupe régional",
    no_group: "Aucun groupe",
    percent: "{n}\u{a0}%",
    bar_text: "{rate} ({returned} sur {required})",
    figures_caption: "{title} (données chiffrées)",
    required: "Attendues",
    returned: "Reçues",
    complete: "Complètes",
    reporting_rate: "Taux de réponse",
    heat_title: "Besoins par domaine prioritaire et groupe régional",
    heat_description: "Nombre de besoins d’assistance technique déclarés (questions sur les besoins auxquelles il a été répondu oui), par domaine prioritaire de la décision 3/4 de la Conférence des Parties et par groupe régional de l’État. Plus une case est foncée, plus elle compte de besoins.",
    priority_area: "Domaine prioritaire",
    total: "Total",
    followup_title: "États à relancer ({n})",
    state: "État",
    group: "Groupe",
    what_is_missing: "Éléments manquants",
    focal_point: "Point de contact",
    none_known: "aucun connu",
    all_met: "Tous les États parties se sont acquittés de leurs obligations en matière de rapport.",
    rejected_title: "Fichiers rejetés ({n})",
    file: "Fichier",
    reason: "Motif",
    message: "Message",
    none_rejected: "Aucun fichier n’a été rejeté.",
    footer_cycle: "Données d’entrée\u{a0}: cycle {id} (date limite {deadline}, parties liées au {as_of})\u{a0};",
    footer_questionnaires: "questionnaires {list}\u{a0};",
    footer_questionnaire: "{id} version {version} (questions\u{a0}: {questions})",
    list_sep: ", ",
    footer_files: "fichiers reçus\u{a0}: {total} (acceptés\u{a0}: {accepted}, remplacés\u{a0}: {superseded}, rejetés\u{a0}: {rejected}, ignorés\u{a0}: {ignored})\u{a0};",
    footer_register: "entrées du registre\u{a0}: {register}. Produit par art32 {version}.",
    xlsx_title: "Rapport art32, cycle {id}",
    xlsx_deadline: "Date limite\u{a0}: {deadline}\u{a0}; parties liées au {as_of}",
    xlsx_figure: "Indicateur",
    xlsx_count: "Nombre",
    xlsx_files_received: "Fichiers reçus",
    xlsx_files_accepted: "Fichiers acceptés",
    xlsx_files_superseded: "Fichiers remplacés",
    xlsx_files_rejected: "Fichiers rejetés",
    xlsx_files_ignored: "Fichiers ignorés",
    xlsx_complete: "Réponses complètes",
    xlsx_incomplete: "Réponses incomplètes",
    xlsx_missing: "Réponses non reçues",
    xlsx_followup: "États à relancer",
    xlsx_needs: "Besoins déclarés",
    xlsx_needs_states: "États déclarant des besoins",
    xlsx_by_instrument: "Réponses par instrument",
    xlsx_by_region: "Réponses par groupe régional",
    questionnaire: "Questionnaire",
    all_questionnaires: "Tous les questionnaires",
    incomplete: "Incomplètes",
    missing: "Non reçues",
    complete_rate: "Taux de réponses complètes",
    none: "(aucun)",
};

/// Spanish.
static ES: Phrases = Phrases {
    cycle_title: "Ciclo de presentación de informes {id}: {title}",
    cycle_sub: "Respuestas presentadas con arreglo al artículo 32, párrafo 5, de la Convención. Plazo: {deadline}; Estados partes a {as_of}.",
    headline: "Cifras principales",
    fig_returns: "respuestas aceptadas",
    fig_rate: "de los cuestionarios requeridos presentados",
    fig_complete: "respuestas completas",
    fig_incomplete: "respuestas incompletas",
    fig_missing: "respuestas no presentadas",
    fig_followup: "Estados que requieren seguimiento",
    fig_needs: "necesidades declaradas",
    fig_rejected: "archivos rechazados",
    rate_by_instrument: "Tasa de respuesta por instrumento",
    rate_by_region: "Tasa de respuesta por grupo regional",
    instrument: "Instrumento",
    regional_group: "Grupo regional",
    no_regional_group: "Sin grupo regional",
    no_group: "Sin grupo",
    percent: "{n}\u{a0}%",
    bar_text: "{rate} ({returned} de {required})",
    figures_caption: "{title} (cifras)",
    required: "Exigidas",
    returned: "Recibidas",
    complete: "Completas",
    reporting_rate: "Tasa de respuesta",
    heat_title: "Necesidades por esfera prioritaria y grupo regional",
    heat_description: "Número de necesidades de asistencia técnica declaradas (preguntas sobre necesidades respondidas afirmativamente), por esfera prioritaria de la decisión 3/4 de la Conferencia de las Partes y por grupo regional del Estado. Cuanto más oscura es una celda, más necesidades contiene.",
    priority_area: "Esfera prioritaria",
    total: "Total",
    followup_title: "Estados que requieren seguimiento ({n})",
    state: "Estado",
    group: "Grupo",
    what_is_missing: "Qué falta",
    focal_point: "Coordinador",
    none_known: "se desconoce",
    all_met: "Todos los Estados partes han cumplido sus obligaciones de presentación de informes.",
    rejected_title: "Archivos rechazados ({n})",
    file: "Archivo",
    reason: "Motivo",
    message: "Mensaje",
    none_rejected: "No se rechazó ningún archivo.",
    footer_cycle: "Datos de entrada: ciclo {id} (plazo {deadline}, Estados partes a {as_of});",
    footer_questionnaires: "cuestionarios {list};",
    footer_questionnaire: "{id} versión {version} (preguntas: {questions})",
    list_sep: ", ",
    footer_files: "archivos recibidos: {total} (aceptados: {accepted}, sustituidos: {superseded}, rechazados: {rejected}, omitidos: {ignored});",
    footer_register: "entradas del registro: {register}. Generado por art32 {version}.",
    xlsx_title: "Informe art32, ciclo {id}",
    xlsx_deadline: "Plazo: {deadline}; Estados partes a {as_of}",
    xlsx_figure: "Indicador",
    xlsx_count: "Cantidad",
    xlsx_files_received: "Archivos recibidos",
    xlsx_files_accepted: "Archivos aceptados",
    xlsx_files_superseded: "Archivos sustituidos",
    xlsx_files_rejected: "Archivos rechazados",
    xlsx_files_ignored: "Archivos omitidos",
    xlsx_complete: "Respuestas completas",
    xlsx_incomplete: "Respuestas incompletas",
    xlsx_missing: "Respuestas no presentadas",
    xlsx_followup: "Estados que requieren seguimiento",
    xlsx_needs: "Necesidades declaradas",
    xlsx_needs_states: "Estados que declaran necesidades",
    xlsx_by_instrument: "Respuestas por instrumento",
    xlsx_by_region: "Respuestas por grupo regional",
    questionnaire: "Cuestionario",
    all_questionnaires: "Todos los cuestionarios",
    incomplete: "Incompletas",
    missing: "No presentadas",
    complete_rate: "Tasa de respuestas completas",
    none: "(ninguno)",
};

/// Russian.
static RU: Phrases = Phrases {
    cycle_title: "Цикл представления отчетности {id}: {title}",
    cycle_sub: "Ответы, представленные в соответствии с пунктом 5 статьи 32 Конвенции. Срок представления: {deadline}; государства-участники по состоянию на {as_of}.",
    headline: "Основные показатели",
    fig_returns: "принятые ответы",
    fig_rate: "обязательных вопросников представлено",
    fig_complete: "полные ответы",
    fig_incomplete: "неполные ответы",
    fig_missing: "непредставленные ответы",
    fig_followup: "государства, требующие последующих мер",
    fig_needs: "заявленные потребности",
    fig_rejected: "отклоненные файлы",
    rate_by_instrument: "Доля представленных ответов по документам",
    rate_by_region: "Доля представленных ответов по региональным группам",
    instrument: "Документ",
    regional_group: "Региональная группа",
    no_regional_group: "Вне региональных групп",
    no_group: "Вне групп",
    percent: "{n}\u{a0}%",
    bar_text: "{rate} ({returned} из {required})",
    figures_caption: "{title} (данные)",
    required: "Требуется",
    returned: "Представлено",
    complete: "Полные",
    reporting_rate: "Доля ответов",
    heat_title: "Потребности по приоритетным областям и региональным группам",
    heat_description: "Число заявленных потребностей в технической помощи (вопросы о потребностях, на которые дан утвердительный ответ) по приоритетным областям решения 3/4 Конференции участников и по региональным группам государств. Чем темнее ячейка, тем больше потребностей.",
    priority_area: "Приоритетная область",
    total: "Итого",
    followup_title: "Государства, требующие последующих мер ({n})",
    state: "Государство",
    group: "Группа",
    what_is_missing: "Чего не хватает",
    focal_point: "Координатор",
    none_known: "нет сведений",
    all_met: "Все государства-участники выполнили свои обязательства по представлению отчетности.",
    rejected_title: "Отклоненные файлы ({n})",
    file: "Файл",
    reason: "Причина",
    message: "Сообщение",
    none_rejected: "Отклоненных файлов нет.",
    footer_cycle: "Исходные данные: цикл {id} (срок {deadline}, участники по состоянию на {as_of});",
    footer_questionnaires: "вопросники: {list};",
    footer_questionnaire: "{id}, версия {version} (вопросов: {questions})",
    list_sep: ", ",
    footer_files: "получено файлов: {total} (принято: {accepted}, заменено: {superseded}, отклонено: {rejected}, пропущено: {ignored});",
    footer_register: "записей в реестре: {register}. Создано программой art32 {version}.",
    xlsx_title: "Отчет art32, цикл {id}",
    xlsx_deadline: "Срок представления: {deadline}; участники по состоянию на {as_of}",
    xlsx_figure: "Показатель",
    xlsx_count: "Количество",
    xlsx_files_received: "Получено файлов",
    xlsx_files_accepted: "Принято файлов",
    xlsx_files_superseded: "Заменено файлов",
    xlsx_files_rejected: "Отклонено файлов",
    xlsx_files_ignored: "Пропущено файлов",
    xlsx_complete: "Полные ответы",
    xlsx_incomplete: "Неполные ответы",
    xlsx_missing: "Непредставленные ответы",
    xlsx_followup: "Государства, требующие последующих мер",
    xlsx_needs: "Заявленные потребности",
    xlsx_needs_states: "Государства, заявившие о потребностях",
    xlsx_by_instrument: "Ответы по документам",
    xlsx_by_region: "Ответы по региональным группам",
    questionnaire: "Вопросник",
    all_questionnaires: "Все вопросники",
    incomplete: "Неполные",
    missing: "Не представлено",
    complete_rate: "Доля полных ответов",
    none: "(нет)",
};

/// Chinese.
static ZH: Phrases = Phrases {
    cycle_title: "报告周期 {id}：{title}",
    cycle_sub: "根据《公约》第32条第5款提交的答复。截止日期：{deadline}；缔约国范围以{as_of}为准。",
    headline: "主要数据",
    fig_returns: "已接受的答复",
    fig_rate: "的必需问卷已提交",
    fig_complete: "完整答复",
    fig_incomplete: "不完整答复",
    fig_missing: "未提交答复",
    fig_followup: "需跟进的国家",
    fig_needs: "已申报需求",
    fig_rejected: "被拒文件",
    rate_by_instrument: "按文书分列的答复率",
    rate_by_region: "按区域组分列的答复率",
    instrument: "文书",
    regional_group: "区域组",
    no_regional_group: "无区域组",
    no_group: "无组别",
    percent: "{n}%",
    bar_text: "{rate}（{required}份中{returned}份）",
    figures_caption: "{title}（数据）",
    required: "应交",
    returned: "已交",
    complete: "完整",
    reporting_rate: "答复率",
    heat_title: "按优先领域和区域组分列的需求",
    heat_description: "申报的技术援助需求数量（对需求问题回答“是”的），按缔约方会议第3/4号决定所列优先领域和国家所属区域组分列。单元格颜色越深，需求越多。",
    priority_area: "优先领域",
    total: "合计",
    followup_title: "需跟进的国家（{n}）",
    state: "国家",
    group: "组别",
    what_is_missing: "缺少内容",
    focal_point: "联络人",
    none_known: "不详",
    all_met: "所有缔约国均已履行报告义务。",
    rejected_title: "被拒文件（{n}）",
    file: "文件",
    reason: "原因",
    message: "信息",
    none_rejected: "没有文件被拒。",
    footer_cycle: "输入：周期{id}（截止日期{deadline}，缔约国以{as_of}为准）；",
    footer_questionnaires: "调查表：{list}；",
    footer_questionnaire: "{id} 第{version}版（{questions}个问题）",
    list_sep: "、",
    footer_files: "收到文件{total}个（接受{accepted}个，被取代{superseded}个，被拒{rejected}个，忽略{ignored}个）；",
    footer_register: "登记册条目{register}个。由 art32 {version} 生成。",
    xlsx_title: "art32 报告，周期{id}",
    xlsx_deadline: "截止日期：{deadline}；缔约国以{as_of}为准",
    xlsx_figure: "指标",
    xlsx_count: "数量",
    xlsx_files_received: "收到的文件",
    xlsx_files_accepted: "接受的文件",
    xlsx_files_superseded: "被取代的文件",
    xlsx_files_rejected: "被拒的文件",
    xlsx_files_ignored: "忽略的文件",
    xlsx_complete: "完整答复",
    xlsx_incomplete: "不完整答复",
    xlsx_missing: "未提交答复",
    xlsx_followup: "需跟进的国家",
    xlsx_needs: "已申报需求",
    xlsx_needs_states: "申报需求的国家",
    xlsx_by_instrument: "按文书分列的答复情况",
    xlsx_by_region: "按区域组分列的答复情况",
    questionnaire: "调查表",
    all_questionnaires: "所有调查表",
    incomplete: "不完整",
    missing: "未交",
    complete_rate: "完整答复率",
    none: "（无）",
};

/// Arabic.
static AR: Phrases = Phrases {
    cycle_title: "دورة الإبلاغ {id}: {title}",
    cycle_sub: "الردود المقدمة بموجب الفقرة 5 من المادة 32 من الاتفاقية. الموعد النهائي: {deadline}؛ الدول الأطراف في {as_of}.",
    headline: "الأرقام الرئيسية",
    fig_returns: "الردود المقبولة",
    fig_rate: "من الاستبيانات المطلوبة أُعيدت",
    fig_complete: "الردود المكتملة",
    fig_incomplete: "الردود غير المكتملة",
    fig_missing: "الردود غير المقدمة",
    fig_followup: "الدول التي تتطلب متابعة",
    fig_needs: "الاحتياجات المعلنة",
    fig_rejected: "الملفات المرفوضة",
    rate_by_instrument: "معدل الإبلاغ حسب الصك",
    rate_by_region: "معدل الإبلاغ حسب المجموعة الإقليمية",
    instrument: "الصك",
    regional_group: "المجموعة الإقليمية",
    no_regional_group: "بلا مجموعة إقليمية",
    no_group: "بلا مجموعة",
    percent: "{n}%",
    bar_text: "{rate} ({returned} من {required})",
    figures_caption: "{title} (الأرقام)",
    required: "المطلوبة",
    returned: "المقدمة",
    complete: "المكتملة",
    reporting_rate: "معدل الإبلاغ",
    heat_title: "الاحتياجات حسب المجال ذي الأولوية والمجموعة الإقليمية",
    heat_description: "عدد الاحتياجات المعلنة من المساعدة التقنية (أسئلة الاحتياجات التي أُجيب عنها بنعم)، حسب المجال ذي الأولوية المحدد في مقرر مؤتمر الأطراف 3/4 وحسب المجموعة الإقليمية للدولة. كلما كانت الخلية أدكن زاد عدد الاحتياجات فيها.",
    priority_area: "المجال ذو الأولوية",
    total: "المجموع",
    followup_title: "الدول التي تتطلب متابعة ({n})",
    state: "الدولة",
    group: "المجموعة",
    what_is_missing: "النواقص",
    focal_point: "جهة الوصل",
    none_known: "غير معروفة",
    all_met: "استوفت جميع الدول الأطراف التزاماتها المتعلقة بالإبلاغ.",
    rejected_title: "الملفات المرفوضة ({n})",
    file: "الملف",
    reason: "السبب",
    message: "الرسالة",
    none_rejected: "لم يُرفض أي ملف.",
    footer_cycle: "المدخلات: الدورة {id} (الموعد النهائي {deadline}، الأطراف في {as_of})؛",
    footer_questionnaires: "الاستبيانات: {list}؛",
    footer_questionnaire: "{id} الإصدار {version} (عدد الأسئلة: {questions})",
    list_sep: "، ",
    footer_files: "الملفات المستلمة: {total} (المقبولة: {accepted}، المستبدلة: {superseded}، المرفوضة: {rejected}، المتجاهلة: {ignored})؛",
    footer_register: "عدد القيود في السجل: {register}. أُنشئ بواسطة art32 {version}.",
    xlsx_title: "تقرير art32، الدورة {id}",
    xlsx_deadline: "الموعد النهائي: {deadline}؛ الأطراف في {as_of}",
    xlsx_figure: "المؤشر",
    xlsx_count: "العدد",
    xlsx_files_received: "الملفات المستلمة",
    xlsx_files_accepted: "الملفات المقبولة",
    xlsx_files_superseded: "الملفات المستبدلة",
    xlsx_files_rejected: "الملفات المرفوضة",
    xlsx_files_ignored: "الملفات المتجاهلة",
    xlsx_complete: "الردود المكتملة",
    xlsx_incomplete: "الردود غير المكتملة",
    xlsx_missing: "الردود غير المقدمة",
    xlsx_followup: "الدول التي تتطلب متابعة",
    xlsx_needs: "الاحتياجات المعلنة",
    xlsx_needs_states: "الدول التي أعلنت احتياجات",
    xlsx_by_instrument: "الإبلاغ حسب الصك",
    xlsx_by_region: "الإبلاغ حسب المجموعة الإقليمية",
    questionnaire: "الاستبيان",
    all_questionnaires: "جميع الاستبيانات",
    incomplete: "غير المكتملة",
    missing: "غير المقدمة",
    complete_rate: "معدل الاكتمال",
    none: "(لا شيء)",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_known_placeholders_only() {
        assert_eq!(fill("{a} of {b}", &[("a", "1"), ("b", "2")]), "1 of 2");
        assert_eq!(fill("{x} {a}", &[("a", "1")]), "{x} 1");
        assert_eq!(fill("open { brace", &[]), "open { brace");
    }
}
