//! Resolve: of all returns of one State for one questionnaire, the one that
//! counts (SPEC 6.3). The others are kept, as superseded, with the reason.
//!
//! The order of the rules: byte-identical files are duplicates of the first
//! by path; an online edit supersedes what it deprecates, whatever State or
//! questionnaire either names (an edit may correct them), and of two edits
//! of one submission in different groups the one ranked first counts; then
//! the latest
//! `submitted` date (undated ranks last), then more answered questions, then
//! the greatest sha256, which flags the pair as conflicting. The result never
//! depends on the order files were found in, only on their content and paths.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::Reason;
use crate::record::FileRecord;

/// The status of a file in the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The return that counts.
    Accepted,
    /// Replaced by another return.
    Superseded {
        /// `duplicate`, `deprecated` or `superseded`.
        reason: Reason,
        /// Which file replaced it.
        message: String,
    },
    /// Rejected at an earlier stage.
    Rejected,
    /// Not a return.
    Ignored,
}

/// The outcome of resolve.
#[derive(Debug, Clone, Default)]
pub struct Resolution {
    /// Per file record, same order.
    pub status: Vec<Status>,
    /// Index of the retained return per (iso3, questionnaire).
    pub retained: BTreeMap<(String, String), usize>,
    /// (iso3, questionnaire) pairs whose retained return could not be told apart from another.
    pub conflicts: BTreeSet<(String, String)>,
}

/// Decides which returns count.
pub fn resolve(records: &[FileRecord]) -> Resolution {
    let mut status: Vec<Status> = records
        .iter()
        .map(|r| match &r.outcome {
            crate::record::Outcome::Ignored { .. } => Status::Ignored,
            crate::record::Outcome::Rejected(_) => Status::Rejected,
            crate::record::Outcome::Return(_) => Status::Accepted,
        })
        .collect();
    let mut groups: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        if let Some(ret) = r.as_return() {
            groups.entry((ret.iso3.clone(), ret.questionnaire.clone())).or_default().push(i);
        }
    }
    // 1-2 within each (State, questionnaire): what is left are the live
    // returns of each group.
    let mut groups: Vec<((String, String), Vec<usize>)> = groups
        .into_iter()
        .map(|(key, mut members)| {
            members.sort_by(|&a, &b| records[a].path.cmp(&records[b].path));
            let live = duplicates(records, &members, &mut status);
            (key, live)
        })
        .collect();
    // 3. Online edits, across groups: an edit may correct the State (or any
    // field), and the submission it replaces then counts nowhere (ODK
    // Central semantics, SPEC 5.1 and 6.3).
    let live: Vec<usize> = groups.iter().flat_map(|(_, live)| live.iter().copied()).collect();
    let dropped = deprecated(records, &live, &mut status);
    for (_, live) in &mut groups {
        live.retain(|i| !dropped.contains(i));
    }
    let mut retained = BTreeMap::new();
    let mut conflicts = BTreeSet::new();
    for (key, live) in groups {
        // 4. Latest date, then more answers, then greatest sha256.
        let rank = |i: usize| {
            let r = records[i].as_return();
            (r.and_then(|r| r.submitted), r.map_or(0, |r| r.answered))
        };
        let Some(&best) = live
            .iter()
            .max_by(|&&a, &&b| rank(a).cmp(&rank(b)).then_with(|| records[a].sha256.cmp(&records[b].sha256)))
        else {
            continue;
        };
        for &i in &live {
            if i == best {
                continue;
            }
            if rank(i) == rank(best) {
                conflicts.insert(key.clone());
            }
            let why = match (rank(best), rank(i)) {
                ((a, _), (b, _)) if a != b => match a {
                    Some(d) => format!("superseded by {} (submitted {d})", records[best].path),
                    None => format!("superseded by {}", records[best].path),
                },
                ((_, a), (_, b)) if a != b => {
                    format!(
                        "superseded by {} (same date, {a} questions answered against {b})",
                        records[best].path
                    )
                }
                _ => format!(
                    "conflicting returns: same date and as many answers as {}, which counts by the order of content hashes",
                    records[best].path
                ),
            };
            status[i] = Status::Superseded { reason: Reason::Superseded, message: why };
        }
        retained.insert(key, best);
    }
    Resolution { status, retained, conflicts }
}

/// Steps 1 and 2 in one (State, questionnaire) group, `members` in path
/// order: byte-identical files, and online submissions re-sent under the
/// same instanceID with the same content, are duplicates of the first. The
/// members left.
fn duplicates(records: &[FileRecord], members: &[usize], status: &mut [Status]) -> Vec<usize> {
    // 1. Byte-identical files.
    let mut first_of_sha: BTreeMap<&str, usize> = BTreeMap::new();
    let mut live = Vec::new();
    for &i in members {
        match first_of_sha.get(records[i].sha256.as_str()) {
            Some(&first) => {
                status[i] = Status::Superseded {
                    reason: Reason::Duplicate,
                    message: format!("identical to {}", records[first].path),
                }
            }
            None => {
                first_of_sha.insert(&records[i].sha256, i);
                live.push(i);
            }
        }
    }
    // 2. Online submissions re-sent under the same instanceID: the same
    // content is a duplicate (SPEC 6.3); different content is ranked by the
    // rules below, like any two returns (date, answers, sha256).
    let mut first_of_instance: BTreeMap<&str, usize> = BTreeMap::new();
    live.retain(|&i| {
        let Some(ret) = records[i].as_return() else { return true };
        let Some(id) = ret.instance_id.as_deref() else { return true };
        match first_of_instance.get(id) {
            None => {
                first_of_instance.insert(id, i);
                true
            }
            Some(&first) => {
                let same = records[first].as_return().is_some_and(|f| f.content_key == ret.content_key);
                if same {
                    status[i] = Status::Superseded {
                        reason: Reason::Duplicate,
                        message: format!(
                            "submission {id} re-sent with the same content as {}",
                            records[first].path
                        ),
                    };
                    false
                } else {
                    true
                }
            }
        }
    });
    live
}

/// Step 3 over the live returns of every group: a submission that another
/// one deprecates is superseded by it. Of two edits of one submission, the
/// one the usual order ranks first (date, answers, sha256) names it: never
/// the one whose path happens to sort last. The returns superseded.
fn deprecated(records: &[FileRecord], live: &[usize], status: &mut [Status]) -> BTreeSet<usize> {
    let order = |i: usize| {
        let r = records[i].as_return();
        (r.and_then(|r| r.submitted), r.map_or(0, |r| r.answered), records[i].sha256.as_str())
    };
    let mut deprecated: BTreeMap<&str, usize> = BTreeMap::new();
    for &i in live {
        let Some(d) = records[i].as_return().and_then(|r| r.deprecated_id.as_deref()) else { continue };
        match deprecated.get(d) {
            Some(&j) if order(j) >= order(i) => {}
            _ => {
                deprecated.insert(d, i);
            }
        }
    }
    let deprecator = |i: usize| {
        records[i]
            .as_return()
            .and_then(|r| r.instance_id.as_deref())
            .and_then(|id| deprecated.get(id))
            .copied()
            .filter(|&by| by != i)
    };
    // Submissions that deprecate each other in a ring are none of them the
    // edit: the usual order decides between them (dropping them all would
    // report the questionnaire missing).
    let steps = live.len();
    let in_ring = |i: usize, by: usize| {
        let mut at = by;
        for _ in 0..steps {
            if at == i {
                return true;
            }
            match deprecator(at) {
                Some(next) => at = next,
                None => return false,
            }
        }
        true
    };
    let mut dropped = BTreeSet::new();
    for &i in live {
        if let Some(by) = deprecator(i).filter(|&by| !in_ring(i, by)) {
            let other = match (records[i].as_return(), records[by].as_return()) {
                (Some(a), Some(b)) if (&a.iso3, &a.questionnaire) != (&b.iso3, &b.questionnaire) => {
                    format!(", which names {} {}", b.iso3, b.questionnaire)
                }
                _ => String::new(),
            };
            status[i] = Status::Superseded {
                reason: Reason::Deprecated,
                message: format!("replaced by the edit {}{other}", records[by].path),
            };
            dropped.insert(i);
        }
    }
    // Two edits of one submission that name different States (or
    // questionnaires) cannot both count: the one ranked first does, as two
    // edits in one group are ranked (step 4). ODK Central never makes such a
    // fork; files copied by hand can.
    let group = |i: usize| records[i].as_return().map(|r| (&r.iso3, &r.questionnaire));
    for &i in live {
        let Some(d) = records[i].as_return().and_then(|r| r.deprecated_id.as_deref()) else { continue };
        let Some(&best) = deprecated.get(d) else { continue };
        if best == i || dropped.contains(&i) || dropped.contains(&best) || group(i) == group(best) {
            continue;
        }
        let names = group(best).map(|(iso3, q)| format!(", which names {iso3} {q}")).unwrap_or_default();
        status[i] = Status::Superseded {
            reason: Reason::Superseded,
            message: format!("another edit of the submission {d} counts: {}{names}", records[best].path),
        };
        dropped.insert(i);
    }
    dropped
}
