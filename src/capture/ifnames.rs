//! Interface index → name on this machine, as tcpdump's `if_indextoname` finds them for
//! Linux cooked v2 captures (whose header carries an interface index, not a name).
//!
//! Read from /sys/class/net; a machine without it (or an index it does not know) has
//! no names, and the packet line prints `?`.

use std::collections::HashMap;

/// Every interface in /sys/class/net by its index. Empty when the directory cannot be
/// read; an entry whose `ifindex` cannot be read or parsed is left out.
pub fn local_interface_names() -> HashMap<u32, String> {
    let mut names = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/sys/class/net") else {
        return names;
    };
    for entry in dir.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Ok(idx) = std::fs::read_to_string(entry.path().join("ifindex")) {
            if let Ok(i) = idx.trim().parse::<u32>() {
                names.insert(i, name);
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_named_where_sysfs_exists() {
        let names = local_interface_names();
        if std::path::Path::new("/sys/class/net/lo/ifindex").exists() {
            assert!(names.values().any(|n| n == "lo"), "{names:?}");
        }
    }
}
