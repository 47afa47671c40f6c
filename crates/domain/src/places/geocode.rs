//! Address text to a building of the register (楼栋地址库): a resident who writes
//! "桃园小区3号楼2单元门口" and taps no map means the building 桃园小区3幢, so the case is routed
//! by that building's grid and community rules. Matching is literal after normalising the
//! usual variants (spaces and punctuation, full-width digits, 号楼/栋/座 for 幢); the longest
//! building name or address found in the text wins.

/// The text with spaces and punctuation dropped, full-width ASCII made half-width, letters lower
/// case, and 号楼 / 栋 / 座 / 楼 after a number written 幢.
pub fn normalize_address(text: &str) -> String {
    let chars: Vec<char> = text
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let after_digit = i > 0 && chars[i - 1].is_ascii_digit();
        if after_digit && chars[i] == '号' && chars.get(i + 1) == Some(&'楼') {
            out.push('幢');
            i += 2;
            continue;
        }
        if after_digit && matches!(chars[i], '栋' | '座' | '楼') {
            out.push('幢');
        } else {
            out.push(chars[i]);
        }
        i += 1;
    }
    out
}

/// The candidates the text names: the indexes of the buildings whose name or address (each
/// normalised) occurs in the text with the longest such match; several when they tie (the
/// caller decides whether they agree, e.g. lie in one grid). Names shorter than three
/// characters never match (a bare "1幢" names nothing).
pub fn matching_buildings<'a>(text: &str, buildings: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<usize> {
    let text = normalize_address(text);
    let mut best = 0usize;
    let mut found = Vec::new();
    for (i, (name, address)) in buildings.into_iter().enumerate() {
        let len = [name, address]
            .iter()
            .map(|k| normalize_address(k))
            .filter(|k| k.chars().count() >= 3 && text.contains(k.as_str()))
            .map(|k| k.chars().count())
            .max()
            .unwrap_or(0);
        if len == 0 || len < best {
            continue;
        }
        if len > best {
            best = len;
            found.clear();
        }
        found.push(i);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGISTER: [(&str, &str); 5] = [
        ("桃园小区1幢", "婺城区城东街道桃园小区1幢"),
        ("桃园小区11幢", "婺城区城东街道桃园小区11幢"),
        ("桃园小区3幢", "婺城区城东街道桃园小区3幢"),
        ("李渔村12号", "婺城区城东街道李渔村12号"),
        ("李渔村1号", "婺城区城东街道李渔村1号"),
    ];

    #[test]
    fn the_variants_people_write_find_the_building() {
        let table = [
            ("桃园小区3幢2单元门口", vec![2]),
            ("桃园小区 3 号楼 楼道灯坏了", vec![2]),
            ("桃园小区３栋东侧", vec![2]),
            ("婺城区城东街道桃园小区11幢", vec![1]),
            ("桃园小区1座旁边", vec![0]),
            ("李渔村12号门前水管破裂", vec![3]),
            ("李渔村1号", vec![4]),
        ];
        for (text, want) in table {
            assert_eq!(matching_buildings(text, REGISTER), want, "{text}");
        }
    }

    #[test]
    fn unknown_or_vague_text_finds_nothing() {
        for text in ["人民路与八一街交叉口", "桃园小区门口", "1幢", ""] {
            assert!(matching_buildings(text, REGISTER).is_empty(), "{text}");
        }
    }

    #[test]
    fn normalising_drops_spaces_and_widens_nothing_else() {
        assert_eq!(normalize_address(" 桃园小区 ３号楼，２单元 "), "桃园小区3幢2单元");
        assert_eq!(normalize_address("A座"), "a座", "座 after a letter stays");
    }
}
