//! Lists say what they hold: a list is read one page at a time, and every page carries the true
//! number of entries in the whole list, so nothing is cut off without saying so.

/// The most entries one page may hold.
pub const MAX_PER_PAGE: usize = 200;

/// Which page of a list to read: the page number (the first page is 1) and how many entries a
/// page holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: usize,
    pub per_page: usize,
}

impl Default for PageRequest {
    /// The first page of 50.
    fn default() -> Self {
        Self::first(50)
    }
}

impl PageRequest {
    /// A page of a list. A page number below 1 reads the first page; the size is kept between 1
    /// and `MAX_PER_PAGE`.
    pub fn new(page: usize, per_page: usize) -> Self {
        Self {
            page: page.max(1),
            per_page: per_page.clamp(1, MAX_PER_PAGE),
        }
    }

    /// The first page of `per_page` entries.
    pub fn first(per_page: usize) -> Self {
        Self::new(1, per_page)
    }

    /// How many entries come before this page.
    pub fn offset(&self) -> usize {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

/// One page of a list, with the number of entries in the whole list. A page past the end of
/// the list holds nothing (the caller says so, or shows the last page).
#[derive(Debug, Clone, PartialEq)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// How many entries the whole list holds (for the reader: what they may not see is never
    /// counted).
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
}

impl<T> Paged<T> {
    /// The requested page of a whole list, already in order.
    pub fn of(mut all: Vec<T>, req: PageRequest) -> Self {
        let total = all.len();
        let start = req.offset().min(total);
        let end = start.saturating_add(req.per_page).min(total);
        all.truncate(end);
        let items = all.split_off(start);
        Self {
            items,
            total,
            page: req.page,
            per_page: req.per_page,
        }
    }

    /// How many pages the list fills (at least one, even when it is empty).
    pub fn pages(&self) -> usize {
        self.total.div_ceil(self.per_page.max(1)).max(1)
    }

    /// Whether the page asked for lies past the last page.
    pub fn past_the_end(&self) -> bool {
        self.page > self.pages()
    }

    /// The position in the whole list of the first entry shown (1-based; 0 when none).
    pub fn first_shown(&self) -> usize {
        if self.items.is_empty() {
            0
        } else {
            (self.page - 1) * self.per_page + 1
        }
    }

    /// The position in the whole list of the last entry shown (0 when none).
    pub fn last_shown(&self) -> usize {
        if self.items.is_empty() {
            0
        } else {
            self.first_shown() + self.items.len() - 1
        }
    }

    /// The same page with each entry changed.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            per_page: self.per_page,
        }
    }
}

impl<T> std::ops::Deref for Paged<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.items
    }
}

impl<T> IntoIterator for Paged<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Paged<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_holds_its_slice_and_the_whole_count() {
        let p = Paged::of((1..=103).collect::<Vec<_>>(), PageRequest::new(3, 50));
        assert_eq!(p.items, vec![101, 102, 103]);
        assert_eq!(
            (p.total, p.pages(), p.first_shown(), p.last_shown()),
            (103, 3, 101, 103)
        );
        assert!(!p.past_the_end());
        let past = Paged::of((1..=103).collect::<Vec<_>>(), PageRequest::new(4, 50));
        assert!(past.items.is_empty() && past.past_the_end() && past.total == 103);
        let empty = Paged::of(Vec::<i32>::new(), PageRequest::default());
        assert_eq!((empty.pages(), empty.first_shown()), (1, 0));
        assert!(!empty.past_the_end());
        assert_eq!(
            PageRequest::new(0, 0),
            PageRequest {
                page: 1,
                per_page: 1
            }
        );
        assert_eq!(PageRequest::new(usize::MAX, 50).offset(), usize::MAX);
    }
}
