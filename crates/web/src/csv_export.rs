//! CSV downloads. Every CSV Stepwise writes goes through `csv_document`, which quotes with the
//! `csv` crate and neutralises cells that a spreadsheet would run as a formula.

use std::borrow::Cow;

use crate::WebError;

/// A cell made safe to open in a spreadsheet: one that starts with `=`, `+`, `-`, `@`, a tab
/// or a carriage return is prefixed with an apostrophe, so Excel, LibreOffice and Google
/// Sheets show it as text instead of evaluating it (OWASP's advice on CSV injection).
pub fn neutralise_formula(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// A whole CSV document: the header, then each row, every cell neutralised and quoted.
pub fn csv_document<I, R, C>(header: &[&str], rows: I) -> Result<String, WebError>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = C>,
    C: AsRef<str>,
{
    let failed = |e: csv::Error| WebError::Internal(format!("writing CSV: {e}"));
    let finish = |w: csv::Writer<Vec<u8>>| -> Result<String, WebError> {
        let bytes = w
            .into_inner()
            .map_err(|e| WebError::Internal(format!("writing CSV: {e}")))?;
        String::from_utf8(bytes).map_err(|e| WebError::Internal(format!("writing CSV: {e}")))
    };
    // The header is quoted only where it must be; every value is quoted.
    let mut head = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::new());
    head.write_record(header.iter().map(|h| neutralise_formula(h).into_owned()))
        .map_err(failed)?;
    let mut body = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    for row in rows {
        body.write_record(
            row.into_iter()
                .map(|c| neutralise_formula(c.as_ref()).into_owned()),
        )
        .map_err(failed)?;
    }
    Ok(finish(head)? + &finish(body)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 6, item 8: formulas in exported cells (the activity CSV's detail, a reason) must
    /// not run when the file is opened in a spreadsheet.
    #[test]
    fn formula_cells_are_neutralised_and_quoted() {
        for bad in [
            "=HYPERLINK(\"x\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert!(neutralise_formula(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(neutralise_formula("record.view"), "record.view");
        assert_eq!(neutralise_formula(""), "");
        let doc = csv_document(
            &["seq", "detail"],
            [vec!["1".to_string(), "=cmd|' /C calc'!A0".to_string()]],
        )
        .unwrap_or_default();
        assert_eq!(doc, "seq,detail\n\"1\",\"'=cmd|' /C calc'!A0\"\n");
        let doc = csv_document(&["a"], [vec!["say \"hi\", then\nleave"]]).unwrap_or_default();
        assert_eq!(doc, "a\n\"say \"\"hi\"\", then\nleave\"\n");
    }
}
