//! Masked forms of personal data, as shown to anyone without the unmask permission.
//! The visible parts are what a clerk needs to tell people apart and nothing more.

/// `330702199001011234` → `3307**********1234` (first four and last four kept).
pub fn mask_id_number(id: &str) -> String {
    mask_middle(id, 4, 4)
}

/// `13812345678` → `138****5678` (first three and last four kept).
pub fn mask_phone(phone: &str) -> String {
    mask_middle(phone, 3, 4)
}

/// `张三丰` → `张**`: the surname only, for lists shown on shared screens.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

fn mask_middle(s: &str, keep_head: usize, keep_tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= keep_head + keep_tail {
        return "*".repeat(chars.len());
    }
    let tail_start = chars.len() - keep_tail;
    chars.iter().enumerate().map(|(i, c)| if i < keep_head || i >= tail_start { *c } else { '*' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        assert_eq!(mask_id_number("330702199001011234"), "3307**********1234");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("1234"), "****");
        assert_eq!(mask_name("欧阳修"), "欧**");
        assert_eq!(mask_name(""), "");
    }
}
