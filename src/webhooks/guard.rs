//! Keeps webhooks from reaching inside the network: an endpoint whose host resolves to a
//! loopback, private, link-local (cloud metadata), shared, multicast or unspecified address is
//! refused, when it is registered and again at every delivery (DNS can change between the two),
//! unless `WEBHOOK_ALLOW_PRIVATE=true`. Deliveries connect to the addresses checked, never to a
//! second lookup's.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Whether an address is one a webhook may not reach.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => private_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => private_v4(v4),
            None => private_v6(v6),
        },
    }
}

fn private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // "This network", 0.0.0.0/8, and the reserved 240.0.0.0/4.
        || a == 0
        || a >= 240
        // Protocol assignments, 192.0.0.0/24 (some clouds' metadata services live here).
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        // Benchmarking, 198.18.0.0/15.
        || (a == 198 && (b == 18 || b == 19))
}

fn private_v6(ip: Ipv6Addr) -> bool {
    let [first, second, third, ..] = ip.segments();
    // IPv4-compatible (deprecated), ::/96: the IPv4 address decides.
    if ip.segments()[..6] == [0; 6] && !ip.is_loopback() && !ip.is_unspecified() {
        return private_v4(Ipv4Addr::from_bits(ip.to_bits() as u32));
    }
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // Unique local, fc00::/7.
        || (first & 0xfe00) == 0xfc00
        // Link-local, fe80::/10.
        || (first & 0xffc0) == 0xfe80
        // Site-local (deprecated), fec0::/10.
        || (first & 0xffc0) == 0xfec0
        // NAT64 of any IPv4 address, 64:ff9b::/96 and the local-use 64:ff9b:1::/48.
        || (first == 0x64 && second == 0xff9b && (third == 0 || third == 1))
        // 6to4, 2002::/16, and Teredo, 2001::/32: tunnels to IPv4 addresses.
        || first == 0x2002
        || (first == 0x2001 && second == 0)
}

/// Why `host` may not be reached, after resolving it: `None` when it may. `port` is only for
/// the lookup.
pub async fn refusal(host: &str, port: u16, allow_private: bool) -> Option<String> {
    if allow_private {
        return None;
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<IpAddr>() {
        return is_private(ip).then(|| format!("{ip} is a private or reserved address"));
    }
    resolve(host, port, false).await.err()
}

/// The addresses of `host`: all of them, or an error when any is private and `allow_private`
/// is off (a name with one private address among public ones is refused whole).
async fn resolve(host: &str, port: u16, allow_private: bool) -> Result<Vec<SocketAddr>, String> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|error| format!("{host} does not resolve: {error}"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("{host} has no address"));
    }
    if !allow_private && let Some(bad) = addrs.iter().find(|a| is_private(a.ip())) {
        return Err(format!(
            "{host} resolves to {}, a private or reserved address",
            bad.ip()
        ));
    }
    Ok(addrs)
}

/// The resolver deliveries connect through: the check above on every lookup.
#[derive(Clone, Copy, Debug)]
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = resolve(&host, 0, allow_private).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_reserved_addresses_are_refused() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "::10.0.0.1",
            "2002:7f00:1::",
            "2001:0:4136:e378::1",
            "198.18.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:2800:220:1::1", "8.8.8.8"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }
}
