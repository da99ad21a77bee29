/// File-name suffixes of the log cleaner's segment replacement, as in Kafka.
///
/// A cleaned segment is written as `<base>.log.cleaned` (and `.index.cleaned`,
/// `.timeindex.cleaned`); renaming it to `.swap` commits the replacement; renaming the
/// swap files to the live names finishes it. ``CleanerRecovery`` finishes or undoes
/// whatever a crash interrupted the next time the log opens.
enum CleanerFileNames {
    static let cleanedSuffix = ".cleaned"
    static let swapSuffix = ".swap"
}
