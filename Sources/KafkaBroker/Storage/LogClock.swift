#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock time for the log storage, injected so tests can drive retention,
/// `segment.ms` rolls and `flush.ms` without sleeping.
///
/// Wall-clock (not monotonic) because it is compared with record timestamps, which
/// are milliseconds since the Unix epoch.
public protocol LogClock: Sendable {
    /// Milliseconds since the Unix epoch.
    var nowMilliseconds: Int64 { get }
}

/// The system's real-time clock.
public struct SystemLogClock: LogClock {
    public init() {}

    public var nowMilliseconds: Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }
}
