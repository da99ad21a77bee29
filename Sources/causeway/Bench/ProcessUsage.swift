import Foundation

/// What this process has used so far: CPU time (all threads, user and system, children
/// excluded) and memory, read the way `top` and `ps` read them.
struct ProcessUsage: Sendable {
    /// User plus system CPU seconds of every thread of this process (`getrusage(RUSAGE_SELF)`);
    /// child processes (the brokers, the load generator) are not counted.
    var cpuSeconds: Double { userSeconds + systemSeconds }
    /// CPU seconds in this process's own code and libraries.
    var userSeconds: Double
    /// CPU seconds in the kernel on this process's behalf: socket reads and writes mostly.
    var systemSeconds: Double
    /// Resident set size, bytes (`VmRSS` in /proc/self/status).
    var residentBytes: Int
    /// Peak resident set size so far, bytes (`VmHWM`).
    var peakResidentBytes: Int

    static func now() -> ProcessUsage {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        return ProcessUsage(
            userSeconds: user, systemSeconds: system, residentBytes: field("VmRSS:", in: status),
            peakResidentBytes: field("VmHWM:", in: status))
    }

    /// A `/proc/self/status` line such as `VmRSS:   123456 kB`, in bytes; 0 if absent.
    private static func field(_ name: String, in status: String) -> Int {
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            let number =
                line.dropFirst(name.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
                ?? 0
            return number * 1024
        }
        return 0
    }

    /// Asks glibc to give the free pages of its heaps back to the system (`malloc_trim(0)`),
    /// so that the resident size read next is close to the memory actually in use: after a
    /// burst, freed buffers otherwise stay resident in malloc's arenas. Looked up at run
    /// time because the Swift Glibc module does not export malloc.h. False if unavailable.
    @discardableResult
    static func trimMallocHeap() -> Bool {
        guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "malloc_trim") else { return false }
        let trim = unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        _ = trim(0)
        return true
    }
}
