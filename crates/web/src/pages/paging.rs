//! Paging, shared by every list page and the API: reading `page` and `per_page` from a query,
//! the line that says how much of a list is shown ("Showing 1 to 50 of 1,029 people"), and the
//! links to the previous and next pages, which keep the rest of the query.

use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use stepwise_store::{MAX_PER_PAGE, PageRequest, Paged};

use super::encode_component;
use crate::WebError;

/// How many entries a list page shows unless asked otherwise.
pub const PER_PAGE: usize = 50;

/// Reads `page` (1 or more) and `per_page` (1 to 200) from a query's pairs. Bad input is an
/// error naming the parameter (a page answers it with a plain message, the API with a 400).
pub fn page_request(
    pairs: &[(String, String)],
    default_per_page: usize,
) -> Result<PageRequest, WebError> {
    let get = |k: &str| {
        pairs
            .iter()
            .rev()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let page = match get("page") {
        None => 1,
        Some(v) => v.parse::<usize>().ok().filter(|n| *n >= 1).ok_or_else(|| {
            WebError::BadRequest(format!(
                "page must be a whole number, 1 or more (it was {v:?})"
            ))
        })?,
    };
    let per_page = match get("per_page") {
        None => default_per_page,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PER_PAGE).contains(n))
            .ok_or_else(|| {
                WebError::BadRequest(format!(
                    "per_page must be a whole number from 1 to {MAX_PER_PAGE} (it was {v:?})"
                ))
            })?,
    };
    Ok(PageRequest::new(page, per_page))
}

/// For the API: a page past the end of the list is an error naming the parameter and the last
/// page.
pub fn check_in_range<T>(paged: &Paged<T>) -> Result<(), WebError> {
    if paged.past_the_end() {
        return Err(WebError::BadRequest(format!(
            "page {} is past the end of the list: it has {} entries, and the last page is {}",
            paged.page,
            paged.total,
            paged.pages()
        )));
    }
    Ok(())
}

/// The address of one page of a list: `path` with the query's other pairs kept (in order) and
/// `page` set, then `anchor` (for example `#children`).
pub fn page_link(path: &str, pairs: &[(String, String)], page: usize, anchor: &str) -> String {
    let mut parts: Vec<String> = pairs
        .iter()
        .filter(|(k, v)| k != "page" && !v.is_empty())
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect();
    if page > 1 {
        parts.push(format!("page={page}"));
    }
    if parts.is_empty() {
        format!("{path}{anchor}")
    } else {
        format!("{path}?{}{anchor}", parts.join("&"))
    }
}

/// For a page: a request past the end of a list goes to its last page.
pub fn past_the_end<T>(
    paged: &Paged<T>,
    path: &str,
    pairs: &[(String, String)],
    anchor: &str,
) -> Option<Response> {
    paged
        .past_the_end()
        .then(|| Redirect::to(&page_link(path, pairs, paged.pages(), anchor)).into_response())
}

/// A count as people read it: 1,029.
pub fn fmt_count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "Showing 1 to 50 of 1,029 people", and links to the previous and next pages when there are
/// more. `noun` is the plural ("people", "children", "records").
pub fn pager<T>(paged: &Paged<T>, noun: &str, link: impl Fn(usize) -> String) -> Markup {
    let pages = paged.pages();
    html! {
        @if paged.total > 0 {
        p class="pager-count" role="status" {
            "Showing " (fmt_count(paged.first_shown())) " to " (fmt_count(paged.last_shown()))
            " of " (fmt_count(paged.total)) " " (noun)
        }
        @if pages > 1 {
            nav class="pager" aria-label=(format!("Pages of {noun}")) {
                ul {
                    @if paged.page > 1 {
                        li { a class="pager-link" rel="prev" href=(link(paged.page - 1)) { "Previous page" span class="visually-hidden" { " of " (noun) } } }
                    }
                    li class="pager-where" { "Page " (paged.page) " of " (pages) }
                    @if paged.page < pages {
                        li { a class="pager-link" rel="next" href=(link(paged.page + 1)) { "Next page" span class="visually-hidden" { " of " (noun) } } }
                    }
                }
            }
        }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &str) -> Vec<(String, String)> {
        super::super::query_pairs(Some(q))
    }

    #[test]
    fn paging_input_is_read_or_refused_by_name() {
        assert_eq!(
            page_request(&pairs("q=smith"), 50).ok(),
            Some(PageRequest::new(1, 50))
        );
        assert_eq!(
            page_request(&pairs("page=3&per_page=25"), 50).ok(),
            Some(PageRequest::new(3, 25))
        );
        for bad in [
            "page=0",
            "page=-1",
            "page=two",
            "page=1.5",
            "per_page=0",
            "per_page=500",
        ] {
            let e = page_request(&pairs(bad), 50).err().map(|e| e.to_string());
            let name = bad.split('=').next().unwrap_or_default();
            assert!(
                e.as_deref().is_some_and(|e| e.starts_with(name)),
                "{bad}: {e:?}"
            );
        }
    }

    #[test]
    fn links_keep_the_query_and_counts_read_well() {
        assert_eq!(
            page_link("/people", &pairs("q=amira+hussain&page=2"), 3, ""),
            "/people?q=amira%20hussain&page=3"
        );
        assert_eq!(
            page_link("/teams/4", &pairs("page=2"), 1, "#children"),
            "/teams/4#children"
        );
        assert_eq!(fmt_count(1029), "1,029");
        assert_eq!(fmt_count(1_000_000), "1,000,000");
        assert_eq!(fmt_count(999), "999");
    }
}
