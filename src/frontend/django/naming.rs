//! The names Django gives tables, constraints and indexes on PostgreSQL.

/// How long a name Django makes for PostgreSQL (`DatabaseOperations.max_name_length`).
const MAX_NAME: usize = 63;

/// Django's `names_digest`: the first `length` hex digits of the MD5 of the arguments.
fn names_digest(args: &[&str], length: usize) -> String {
    let mut data = Vec::new();
    for a in args {
        data.extend_from_slice(a.as_bytes());
    }
    let mut hex: String = md5(&data).iter().map(|b| format!("{b:02x}")).collect();
    hex.truncate(length);
    hex
}

fn chars(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Django names every foreign key, index and added unique constraint itself, so rollsafe
/// computes the same names (rather than PostgreSQL's `_fkey`/`_idx`): a later `RunSQL`,
/// `RemoveIndex` or `RenameIndex` names them, and `rollsafe schema` prints the database the
/// migrations build (checked against the catalog by `tests/postgres/frameworks.rs`). The names
/// are PostgreSQL's (63 characters): rollsafe never reads the settings, and the `_like` indexes
/// are PostgreSQL's too.
///
/// Django's `BaseDatabaseSchemaEditor._create_index_name`: `<table>_<columns>_<hash><suffix>`,
/// the hash over the table and column names; shortened to 63 characters by cutting the suffix
/// to a third and the table and columns to what is left.
pub(crate) fn django_index_name(table: &str, columns: &[String], suffix: &str) -> String {
    let mut args = vec![table];
    args.extend(columns.iter().map(String::as_str));
    let mut hash_suffix = format!("{}{suffix}", names_digest(&args, 8));
    let joined = columns.join("_");
    let name = format!("{table}_{joined}_{hash_suffix}");
    if name.chars().count() <= MAX_NAME {
        return name;
    }
    if hash_suffix.chars().count() * 3 > MAX_NAME {
        hash_suffix = chars(&hash_suffix, MAX_NAME / 3);
    }
    let other = (MAX_NAME - hash_suffix.chars().count()) / 2 - 1;
    let name = format!(
        "{}_{}_{hash_suffix}",
        chars(table, other),
        chars(&joined, other)
    );
    if name.starts_with('_') || name.starts_with(|c: char| c.is_ascii_digit()) {
        let cut: String = name.chars().take(name.chars().count() - 1).collect();
        return format!("D{cut}");
    }
    name
}

/// Django's `truncate_name` (table names): a name over 63 characters keeps 59 and a 4-digit
/// hash of the whole.
pub(crate) fn truncate_name(name: &str) -> String {
    if name.chars().count() <= MAX_NAME {
        return name.to_string();
    }
    format!("{}{}", chars(name, MAX_NAME - 4), names_digest(&[name], 4))
}

/// MD5 (RFC 1321), for Django's name hashes.
fn md5(input: &[u8]) -> [u8; 16] {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i| ((i as f64 + 1.0).sin().abs() * 4294967296.0) as u32)
        .collect();
    let mut msg = input.to_vec();
    let bits = (input.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_le_bytes());
    let mut h: [u32; 4] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
    for chunk in msg.chunks(64) {
        let m: Vec<u32> = chunk
            .chunks(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let [mut a, mut b, mut c, mut d] = h;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(S[i]));
        }
        h[0] = h[0].wrapping_add(a);
        h[1] = h[1].wrapping_add(b);
        h[2] = h[2].wrapping_add(c);
        h[3] = h[3].wrapping_add(d);
    }
    let mut out = [0u8; 16];
    for (i, w) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_matches_rfc_1321() {
        let hex = |s: &str| -> String {
            md5(s.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        };
        assert_eq!(hex(""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
            "57edf4a22be3c955ac49da2e2107b67a"
        );
    }

    /// Names PostgreSQL's catalog showed after Django 5.2 migrated the fixture.
    #[test]
    fn index_names_are_djangos() {
        let c = |s: &str| vec![s.to_string()];
        assert_eq!(
            django_index_name("accounts_account", &c("email"), "_like"),
            "accounts_account_email_348850e2_like"
        );
        assert_eq!(
            django_index_name("orders_order", &c("account_id"), "_fk_accounts_account_id"),
            "orders_order_account_id_cf843c80_fk_accounts_account_id"
        );
        assert_eq!(
            django_index_name(
                "orders_order_products",
                &c("product_id"),
                "_fk_catalog_products_id"
            ),
            "orders_order_product_product_id_03fb56a7_fk_catalog_p"
        );
        assert_eq!(
            django_index_name(
                "orders_order_products",
                &["order_id".to_string(), "product_id".to_string()],
                "_uniq"
            ),
            "orders_order_products_order_id_product_id_fe0cbca8_uniq"
        );
    }
}
