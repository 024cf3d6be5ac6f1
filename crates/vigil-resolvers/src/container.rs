//! Container ids from cgroup paths, with Datadog's rules: a 64-hex id (optionally behind a
//! runtime prefix such as `docker-`, `cri-containerd-`, `crio-`, `libpod-`), an ECS task id
//! (`<32 hex>-<digits>`) or a Garden id (`8-4-4-4-4` hex), never adjacent to other hex digits.

/// The container id found in a cgroup path, if any.
pub fn container_id_from_cgroup(path: &str) -> Option<&str> {
    // The innermost segment wins (nested cgroups of a container sit below its own).
    for segment in path.rsplit('/') {
        if let Some(id) = id_in_segment(segment) {
            return Some(id);
        }
    }
    None
}

fn is_hex(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

fn id_in_segment(seg: &str) -> Option<&str> {
    let b = seg.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !is_hex(b[i]) || (i > 0 && is_hex(b[i - 1])) {
            i += 1;
            continue;
        }
        let run = b[i..].iter().take_while(|c| is_hex(**c)).count();
        let end = i + run;
        if run == 64 {
            return Some(&seg[i..end]);
        }
        // ECS: 32 hex, '-', digits (the digits end the id).
        if run == 32 && b.get(end) == Some(&b'-') {
            let digits = b[end + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            let after = end + 1 + digits;
            if digits > 0 && b.get(after).is_none_or(|c| !is_hex(*c)) {
                return Some(&seg[i..after]);
            }
        }
        // Garden: 8-4-4-4-4 hex groups.
        if run == 8 {
            let mut j = end;
            let mut ok = true;
            for _ in 0..4 {
                if b.get(j) != Some(&b'-') {
                    ok = false;
                    break;
                }
                let g = b[j + 1..].iter().take_while(|c| is_hex(**c)).count();
                if g != 4 {
                    ok = false;
                    break;
                }
                j += 5;
            }
            if ok && b.get(j).is_none_or(|c| !is_hex(*c) && *c != b'-') {
                return Some(&seg[i..j]);
            }
        }
        i = end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn finds_ids_like_datadog() {
        let cases: Vec<(String, Option<&str>)> = vec![
            (format!("/docker/{ID}"), Some(ID)),
            (format!("/system.slice/docker-{ID}.scope"), Some(ID)),
            (format!("/kubepods/besteffort/pod1234/{ID}"), Some(ID)),
            (format!("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12_34.slice/cri-containerd-{ID}.scope"), Some(ID)),
            (format!("/kubepods.slice/kubepods-pod1.slice/crio-{ID}.scope"), Some(ID)),
            (format!("/machine.slice/libpod-{ID}.scope"), Some(ID)),
            (format!("/machine.slice/libpod-{ID}.scope/container"), Some(ID)),
            (format!("/docker/{ID}/nested"), Some(ID)),
            ("/ecs/0123456789abcdef0123456789abcdef/0123456789abcdef0123456789abcdef-1234567890".into(), Some("0123456789abcdef0123456789abcdef-1234567890")),
            ("/garden/01234567-89ab-cdef-0123-4567".into(), Some("01234567-89ab-cdef-0123-4567")),
            ("/garden/01234567-89ab-cdef-0123-456789ab".into(), None),
            ("/system.slice/sshd.service".into(), None),
            ("/user.slice/user-1000.slice/session-3.scope".into(), None),
            ("/".into(), None),
            ("".into(), None),
            (format!("/docker/a{ID}"), None),
            (format!("/docker/{ID}f"), None),
            ("/docker/0123456789abcdef".into(), None),
        ];
        for (path, want) in cases {
            assert_eq!(container_id_from_cgroup(&path), want, "{path}");
        }
    }
}
