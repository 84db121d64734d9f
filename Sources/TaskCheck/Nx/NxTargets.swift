/// How Nx builds a target's configuration from its layers: the `command` shorthand, nx.json's
/// `targetDefaults`, and the merge of a more specific layer onto a less specific one.
public enum NxTargets {
    /// `{"command": "x"}` is `{"executor": "nx:run-commands", "options": {"command": "x"}}`.
    public static func resolveCommandShorthand(_ target: JSONObject) -> JSONObject {
        guard let command = target["command"], target["executor"] == nil else { return target }
        var result = target
        result["command"] = nil
        result["executor"] = .string("nx:run-commands")
        var options = target["options"]?.object ?? JSONObject()
        options["command"] = command
        result["options"] = .object(options)
        return result
    }

    /// The executor a target runs with, after the `command` shorthand.
    public static func executor(of target: JSONObject) -> String? {
        resolveCommandShorthand(target)["executor"]?.string
    }

    /// The `targetDefaults` entry that applies to a target of this name and executor, or nil.
    ///
    /// In the object form (`{"build": {...}, "@nx/vite:build": {...}, "e2e-*": {...}}`) a key naming the
    /// target's executor wins, then the key equal to the target's name, then the longest glob key that
    /// matches the name (Nx's readTargetDefaultsForTarget). In the array form (`[{"target": "build", ...}]`)
    /// an entry naming both target and executor wins, then executor only, then the exact target, then a glob;
    /// a later entry wins a tie. Entries filtered by `projects` apply when the project is named (or matched by
    /// a glob or `tag:`); entries filtered by `plugin` never do, since the files do not say which plugin made a
    /// target.
    public static func defaults(forTarget name: String, executor: String?, project: NxProject?,
                                in nxJSON: JSONObject) -> JSONObject? {
        guard let defaults = nxJSON["targetDefaults"] else { return nil }
        if let record = defaults.object {
            if let executor, let entry = record[executor]?.object { return entry }
            if let entry = record[name]?.object { return entry }
            var best: (key: String, value: JSONObject)?
            for (key, value) in record.pairs where isGlobPattern(key) {
                guard let value = value.object, (try? Glob(key))?.matches(Array(name.utf8)) == true else { continue }
                if best == nil || key.count > best!.key.count { best = (key, value) }
            }
            return best?.value
        }
        guard let entries = defaults.array else { return nil }
        var best: (rank: Int, value: JSONObject)?
        for entry in entries {
            guard var entry = entry.object else { continue }
            if entry["plugin"] != nil { continue }
            var targetRank = 0
            if let target = entry["target"]?.string {
                if target == name {
                    targetRank = 2
                } else if isGlobPattern(target), (try? Glob(target))?.matches(Array(name.utf8)) == true {
                    targetRank = 1
                } else {
                    continue
                }
            }
            var executorMatched = false
            if let entryExecutor = entry["executor"]?.string {
                if entryExecutor == executor {
                    executorMatched = true
                } else if targetRank > 0 && executor == nil {
                    executorMatched = true  // injected into a target that has no executor of its own
                } else {
                    continue
                }
            }
            let filtered = entry["projects"] != nil
            if let filter = entry["projects"] {
                guard let project, matchesProjects(filter, project) else { continue }
            }
            if targetRank == 0 && !executorMatched && !filtered { continue }
            // A filter makes an entry more specific than any locator alone (Nx's tiers); within a tier,
            // target and executor > executor > exact target > glob target > filter only.
            let rank = (filtered ? 10 : 0) + (executorMatched ? (targetRank > 0 ? 4 : 3) : targetRank)
            entry["target"] = nil
            entry["projects"] = nil
            if best == nil || rank >= best!.rank { best = (rank, entry) }
        }
        return best?.value
    }

    /// A `projects` filter: a name, a glob over names, `tag:NAME`, or a list of these (a `!` entry excludes).
    static func matchesProjects(_ filter: JSONValue, _ project: NxProject) -> Bool {
        let patterns = filter.array?.compactMap(\.string) ?? filter.string.map { [$0] } ?? []
        var matched = false
        for pattern in patterns {
            let negated = pattern.hasPrefix("!")
            let body = negated ? String(pattern.dropFirst()) : pattern
            let hit: Bool
            if body.hasPrefix("tag:") {
                hit = project.tags.contains(String(body.dropFirst(4)))
            } else if isGlobPattern(body) {
                hit = (try? Glob(body))?.matches(Array(project.name.utf8)) ?? false
            } else {
                hit = body == project.name
            }
            if hit { matched = !negated }
        }
        return matched
    }

    static func isGlobPattern(_ text: String) -> Bool { text.contains { "*?[]{}!".contains($0) } }

    /// Whether two layers of one target may be merged: at most one names an executor or they name the same
    /// one, and for nx:run-commands, at most one names a command or the commands agree. Otherwise the more
    /// specific layer replaces the other whole (Nx's isCompatibleTarget).
    public static func isCompatible(_ a: JSONObject, _ b: JSONObject) -> Bool {
        let a = resolveCommandShorthand(a), b = resolveCommandShorthand(b)
        guard let executorA = a["executor"]?.string, let executorB = b["executor"]?.string else { return true }
        guard executorA == executorB else { return false }
        if executorA == "nx:run-commands" {
            guard let commandA = command(a), let commandB = command(b) else { return true }
            return commandA == commandB
        }
        return true
    }

    private static func command(_ target: JSONObject) -> String? {
        let options = target["options"]?.object
        if let command = options?["command"]?.string { return command }
        if let commands = options?["commands"]?.array {
            return commands.map { $0.string ?? $0["command"]?.string ?? "" }.joined(separator: " && ")
        }
        return nil
    }

    /// `target` laid over `base`: the target's own properties win; `options` merge key by key, and
    /// `configurations` name by name and key by key; an array holding `"..."` takes the base's items in that
    /// place (Nx's spread token). An incompatible pair (see isCompatible) gives `target` alone.
    public static func merge(_ target: JSONObject, onto base: JSONObject, root: String) -> JSONObject {
        let target = resolveCommandShorthand(target)
        let base = resolveCommandShorthand(base)
        guard isCompatible(target, base) else { return target }
        var result = base
        for (key, value) in target.pairs {
            switch key {
            case "options":
                result[key] = .object(mergeObjects(value.object, base["options"]?.object))
            case "configurations":
                var configurations = base["configurations"]?.object ?? JSONObject()
                for (name, configuration) in value.object?.pairs ?? [] {
                    configurations[name] = .object(mergeObjects(configuration.object, configurations[name]?.object))
                }
                result[key] = .object(configurations)
            default:
                result[key] = spread(value, over: base[key])
            }
        }
        return result
    }

    private static func mergeObjects(_ top: JSONObject?, _ bottom: JSONObject?) -> JSONObject {
        var result = bottom ?? JSONObject()
        for (key, value) in top?.pairs ?? [] { result[key] = spread(value, over: bottom?[key]) }
        return result
    }

    /// An array with `"..."` in it has the base array's items put in its place.
    static func spread(_ value: JSONValue, over base: JSONValue?) -> JSONValue {
        guard let items = value.array, items.contains(.string("...")) else { return value }
        var result: [JSONValue] = []
        for item in items {
            if item == .string("...") { result += base?.array ?? [] } else { result.append(item) }
        }
        return .array(result)
    }

    /// The target as Nx would run it: the project's own configuration laid over the matching target
    /// default (when there is one).
    public static func resolve(_ name: String, in project: NxProject, nxJSON: JSONObject) -> JSONObject? {
        guard let own = project.targets[name]?.object else { return nil }
        guard let defaults = defaults(forTarget: name, executor: executor(of: own), project: project, in: nxJSON) else {
            return resolveCommandShorthand(own)
        }
        return merge(own, onto: defaults, root: project.root)
    }
}
