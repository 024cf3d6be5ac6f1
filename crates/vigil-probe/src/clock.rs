//! Conversion of kernel timestamps (CLOCK_BOOTTIME ns, what `bpf_ktime_get_boot_ns` returns)
//! to wall-clock unix ns, by sampling CLOCK_REALTIME against CLOCK_BOOTTIME.

use std::io;

/// The offset between CLOCK_REALTIME and CLOCK_BOOTTIME at one moment. The wall clock may be
/// stepped (NTP, settimeofday): sample again periodically to follow it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BootClock {
    /// unix ns minus boot ns.
    offset_ns: i128,
}

impl BootClock {
    /// Samples both clocks; keeps the tightest of a few REALTIME/BOOTTIME/REALTIME triples.
    pub fn sample() -> io::Result<BootClock> {
        let mut best: Option<(i128, i128)> = None; // (window, offset)
        for _ in 0..4 {
            let before = now_ns(libc::CLOCK_REALTIME)?;
            let boot = now_ns(libc::CLOCK_BOOTTIME)?;
            let after = now_ns(libc::CLOCK_REALTIME)?;
            let window = after - before;
            let offset = before + window / 2 - boot;
            if best.is_none_or(|(w, _)| window < w) {
                best = Some((window, offset));
            }
        }
        let (_, offset_ns) = best.ok_or_else(|| io::Error::other("no clock sample"))?;
        Ok(BootClock { offset_ns })
    }

    /// A clock with a known offset (unix ns − boot ns), for replay and tests.
    pub const fn from_offset_ns(offset_ns: i128) -> BootClock {
        BootClock { offset_ns }
    }

    pub const fn offset_ns(&self) -> i128 {
        self.offset_ns
    }

    /// Converts a CLOCK_BOOTTIME timestamp to unix ns (saturating at 0 and u64::MAX).
    pub fn to_unix_ns(&self, boot_ns: u64) -> u64 {
        let unix = i128::from(boot_ns) + self.offset_ns;
        u64::try_from(unix.max(0)).unwrap_or(u64::MAX)
    }

    /// The CLOCK_BOOTTIME timestamp of a unix ns time (saturating).
    pub fn to_boot_ns(&self, unix_ns: u64) -> u64 {
        let boot = i128::from(unix_ns) - self.offset_ns;
        u64::try_from(boot.max(0)).unwrap_or(u64::MAX)
    }
}

/// Current CLOCK_BOOTTIME in ns: the kernel timestamps' clock.
pub fn boot_time_now_ns() -> io::Result<u64> {
    now_ns(libc::CLOCK_BOOTTIME).map(|ns| u64::try_from(ns).unwrap_or(0))
}

fn now_ns(clock: libc::clockid_t) -> io::Result<i128> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(i128::from(ts.tv_sec) * 1_000_000_000 + i128::from(ts.tv_nsec))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{SystemTime, UNIX_EPOCH};

    #[test]
    fn converts_boot_time_to_wall_clock() {
        let clock = BootClock::sample().expect("clocks");
        let boot_now = boot_time_now_ns().expect("boottime");
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("after epoch")
            .as_nanos();
        let converted = i128::from(clock.to_unix_ns(boot_now));
        assert!(
            (converted - wall as i128).abs() < 50_000_000,
            "converted {converted} wall {wall}"
        );
        assert_eq!(clock.to_boot_ns(clock.to_unix_ns(boot_now)), boot_now);
    }

    #[test]
    fn saturates() {
        assert_eq!(BootClock::from_offset_ns(-100).to_unix_ns(10), 0);
        assert_eq!(
            BootClock::from_offset_ns(i128::from(u64::MAX)).to_unix_ns(10),
            u64::MAX
        );
        assert_eq!(BootClock::from_offset_ns(5).to_unix_ns(10), 15);
    }
}
