//! Which addresses are internal: the vendor's own host and networks, which a monitor must not
//! reach unless it is allowed to (a probe would otherwise be a way into them, SSRF).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether `ip` reaches this host or a private network rather than the internet: loopback,
/// unspecified and "this network" (0.0.0.0/8), private (RFC 1918, fc00::/7, the old fec0::/10),
/// link-local (169.254.0.0/16 with the cloud metadata address, fe80::/10), shared address space
/// (CGNAT, 100.64.0.0/10), broadcast, and IPv6 forms that carry such an IPv4 address
/// (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4
/// `2002::/16` and Teredo `2001::/32`).
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => internal_v6(v6),
    }
}

/// Whether a host name is internal without looking it up: an internal IP literal (bracketed
/// IPv6 included, and the numeric IPv4 forms name resolution also reads, such as `127.1`,
/// `2130706433` or `0x7f.0.0.1`), or a `localhost` name (RFC 6761). Other names are judged
/// when a probe resolves them.
pub fn is_internal_host(host: &str) -> bool {
    let host = host.trim();
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let name = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return is_internal(ip);
    }
    legacy_ipv4(&name).is_some_and(internal_v4)
}

/// An IPv4 address in one of the forms `inet_aton` reads: one to four parts, each decimal,
/// octal (a leading `0`) or hexadecimal (`0x`), the last filling the remaining bytes.
fn legacy_ipv4(s: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut values = Vec::with_capacity(parts.len());
    for p in &parts {
        let (digits, radix) = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X"))
        {
            (h, 16)
        } else if p.len() > 1 && p.starts_with('0') {
            (&p[1..], 8)
        } else {
            (*p, 10)
        };
        if digits.is_empty() && radix != 16 {
            return None;
        }
        let v = if digits.is_empty() {
            0
        } else {
            u32::from_str_radix(digits, radix).ok()?
        };
        values.push(v);
    }
    let (last, head) = values.split_last()?;
    if head.iter().any(|&v| v > 0xff) {
        return None;
    }
    let rest_bits = 8 * (4 - head.len() as u32);
    if rest_bits < 32 && *last >= (1u32 << rest_bits) {
        return None;
    }
    let mut a: u32 = 0;
    for (i, &v) in head.iter().enumerate() {
        a |= v << (24 - 8 * i as u32);
    }
    Some(Ipv4Addr::from(a | last))
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        // 0.0.0.0/8: "this network"; 0.0.0.0 itself connects to the local host.
        || a == 0
        // 100.64.0.0/10: shared address space behind carrier-grade NAT.
        || (a == 100 && (b & 0b1100_0000) == 64)
}

fn internal_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    if ip.is_loopback() || ip.is_unspecified() {
        return true;
    }
    // fc00::/7 unique local, fe80::/10 link-local, fec0::/10 site-local (deprecated).
    if (segments[0] & 0xfe00) == 0xfc00 || (segments[0] & 0xffc0) == 0xfe80 {
        return true;
    }
    if (segments[0] & 0xffc0) == 0xfec0 {
        return true;
    }
    // IPv4-mapped (::ffff:0:0/96) and IPv4-compatible (::/96) addresses reach the IPv4 one.
    if let Some(v4) = ip.to_ipv4() {
        return internal_v4(v4);
    }
    // NAT64's well-known prefix 64:ff9b::/96 translates to the IPv4 address in its last bits.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., hi, lo] = segments;
        let v4 = Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
        return internal_v4(v4);
    }
    embedded_v4(segments).is_some_and(internal_v4)
}

/// The IPv4 address a transition prefix routes to: 6to4 (`2002:AABB:CCDD::/48` reaches
/// `AA.BB.CC.DD`, RFC 3056) and Teredo (`2001:0::/32`, whose client address is the last 32
/// bits inverted, RFC 4380).
fn embedded_v4(segments: [u16; 8]) -> Option<Ipv4Addr> {
    let join = |hi: u16, lo: u16| (u32::from(hi) << 16) | u32::from(lo);
    match segments {
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::from(join(hi, lo))),
        [0x2001, 0, .., hi, lo] => Some(Ipv4Addr::from(!join(hi, lo))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn internal_addresses() {
        for s in [
            "127.0.0.1",
            "127.255.255.254",
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "169.254.0.1",
            "100.64.0.1",
            "100.127.255.255",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "::ffff:0.0.0.0",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::7f00:1",
            // 6to4 of 127.0.0.1, 10.0.0.1 and 192.168.1.1.
            "2002:7f00:1::",
            "2002:a00:1:1234::5",
            "2002:c0a8:101::1",
            // Teredo whose client is 10.0.0.1 (inverted: f5ff:fffe).
            "2001:0:4136:e378:8000:63bf:f5ff:fffe",
        ] {
            assert!(is_internal(ip(s)), "{s} is internal");
        }
    }

    /// The IPv4 ranges counted as internal, as (network, prefix length): the model the
    /// property tests compare with.
    const INTERNAL_V4: &[(u32, u32)] = &[
        (0x0000_0000, 8),  // 0.0.0.0/8
        (0x0a00_0000, 8),  // 10.0.0.0/8
        (0x6440_0000, 10), // 100.64.0.0/10
        (0x7f00_0000, 8),  // 127.0.0.0/8
        (0xa9fe_0000, 16), // 169.254.0.0/16
        (0xac10_0000, 12), // 172.16.0.0/12
        (0xc0a8_0000, 16), // 192.168.0.0/16
        (0xffff_ffff, 32), // 255.255.255.255
    ];

    fn in_model(a: u32) -> bool {
        INTERNAL_V4
            .iter()
            .any(|&(net, len)| (a ^ net).checked_shr(32 - len).unwrap_or(0) == 0)
    }

    proptest::proptest! {
        /// Every IPv4 address is internal exactly when a range of the model holds it, and
        /// its IPv4-mapped, IPv4-compatible and NAT64 forms are judged the same.
        #[test]
        fn ipv4_and_its_ipv6_forms_agree_with_the_model(a in proptest::prelude::any::<u32>()) {
            let v4 = Ipv4Addr::from(a);
            let expected = in_model(a);
            proptest::prop_assert_eq!(is_internal(IpAddr::V4(v4)), expected, "{}", v4);
            proptest::prop_assert_eq!(is_internal(IpAddr::V6(v4.to_ipv6_mapped())), expected);
            let nat64 = Ipv6Addr::from((0x0064_ff9b_u128 << 96) | u128::from(a));
            proptest::prop_assert_eq!(is_internal(IpAddr::V6(nat64)), expected);
            let six_to_four = Ipv6Addr::from((0x2002_u128 << 112) | (u128::from(a) << 80) | 0xbeef);
            proptest::prop_assert_eq!(is_internal(IpAddr::V6(six_to_four)), expected);
            let teredo = Ipv6Addr::from((0x2001_0000_u128 << 96) | (0x4136_e378_u128 << 64) | u128::from(!a));
            proptest::prop_assert_eq!(is_internal(IpAddr::V6(teredo)), expected);
            if a > 1 {
                proptest::prop_assert_eq!(is_internal(IpAddr::V6(v4.to_ipv6_compatible())), expected);
            }
        }

        /// Addresses drawn inside each internal range are internal, whatever their host part.
        #[test]
        fn every_address_of_an_internal_range_is_internal(
            i in 0..INTERNAL_V4.len(),
            host in proptest::prelude::any::<u32>(),
        ) {
            let (net, len) = INTERNAL_V4[i];
            let a = net | host.checked_shr(len).unwrap_or(0);
            proptest::prop_assert!(is_internal(IpAddr::V4(Ipv4Addr::from(a))));
        }

        /// IPv6 unique-local and link-local prefixes are internal whatever follows them;
        /// global unicast (2000::/3) is not, unless it is 6to4 or Teredo of an internal address.
        #[test]
        fn ipv6_prefixes(bits in proptest::prelude::any::<u128>()) {
            let ula = Ipv6Addr::from((0xfc00_u128 << 112) | (bits >> 7));
            let link = Ipv6Addr::from((0xfe80_u128 << 112) | (bits >> 10));
            let global = Ipv6Addr::from((0x2_u128 << 124) | (bits >> 3));
            proptest::prop_assert!(is_internal(IpAddr::V6(ula)), "{}", ula);
            proptest::prop_assert!(is_internal(IpAddr::V6(link)), "{}", link);
            let wrapped = embedded_v4(global.segments()).is_some_and(internal_v4);
            proptest::prop_assert_eq!(is_internal(IpAddr::V6(global)), wrapped, "{}", global);
        }
    }

    #[test]
    fn internal_host_names() {
        for h in [
            "localhost",
            "LOCALHOST.",
            "api.localhost",
            "127.0.0.1",
            "[::1]",
            "::1",
            "[::ffff:127.0.0.1]",
            "[fe80::1]",
            "169.254.169.254",
            "127.1",
            "2130706433",
            "0x7f.0.0.1",
            "0177.0.0.1",
            "0x7f000001",
            "10.1",
            "0",
            "0x0",
            "100.64.1",
        ] {
            assert!(is_internal_host(h), "{h} is internal");
        }
        for h in [
            "example.nl",
            "status.example.com",
            "localhost.example.nl",
            "93.184.216.34",
            "[2001:db8::1]",
            "1.1.1.1",
            "16843009",
            "127.0.0.1.example.nl",
            "256.0.0.1",
            "1.2.3.4.5",
            "08.0.0.1",
        ] {
            assert!(!is_internal_host(h), "{h} is not known to be internal");
        }
        assert_eq!(legacy_ipv4("127.1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(legacy_ipv4("1.2.772"), Some(Ipv4Addr::new(1, 2, 3, 4)));
        assert_eq!(legacy_ipv4("1.2.65536"), None);
    }

    #[test]
    fn public_addresses() {
        for s in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "172.15.255.255",
            "172.32.0.0",
            "192.167.255.255",
            "192.169.0.0",
            "169.253.255.255",
            "169.255.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "11.0.0.0",
            "2001:db8::1",
            "2a00:1450:4001::200e",
            "fbff::1",
            "ff02::1",
            "::ffff:93.184.216.34",
            "64:ff9b::808:808",
            // 6to4 of 8.8.8.8; Teredo whose client is 8.8.8.8 (inverted: f7f7:f7f7).
            "2002:808:808::1",
            "2001:0:4136:e378:8000:63bf:f7f7:f7f7",
        ] {
            assert!(!is_internal(ip(s)), "{s} is public");
        }
    }
}
