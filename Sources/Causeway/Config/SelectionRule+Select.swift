extension SelectionRule {
    /// The selection rule shared by topics and groups: exclude wins; `__` names need a literal include.
    static func select(_ candidate: String, include: [SelectionRule], exclude: [SelectionRule]) -> Bool {
        if exclude.contains(where: { $0.matches(candidate) }) { return false }
        if candidate.hasPrefix("__") { return include.contains(.name(candidate)) }
        return include.contains(where: { $0.matches(candidate) })
    }
}
