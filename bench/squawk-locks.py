#!/usr/bin/env python3
"""Side by side with squawk on real PostgreSQL migration histories: for each squawk lock rule,
how many of its findings rollsafe's lock rules also report (same file, a rollsafe finding on a
line of squawk's statement; per file for the timeout rule, which both report once per file).

usage: bench/squawk-locks.py SQUAWK ROLLSAFE NAME=MIGRATIONS_DIR... [--dump DIR]
Prints a Markdown table per history and in total; --dump writes each history's unmatched
findings (both ways) as JSON for reading by hand.
"""
import collections, glob, json, os, subprocess, sys

# squawk rule -> the rollsafe rule that judges the same thing (None: rollsafe has none)
MAP = {
    "require-concurrent-index-creation": "require-concurrent-index",
    "require-concurrent-index-deletion": "require-concurrent-index",
    "constraint-missing-not-valid": "constraint-not-valid",
    "adding-foreign-key-constraint": "constraint-not-valid",
    "adding-not-nullable-field": "set-not-null-scan",
    "changing-column-type": "table-rewrite",
    "adding-field-with-default": "table-rewrite",
    "adding-serial-primary-key-field": None,
    "disallowed-unique-constraint": None,
    "require-lock-timeout": "lock-timeout",
    "require-statement-timeout": None,
    "ban-concurrent-index-creation-in-transaction": "concurrently-in-transaction",
}
LOCK_RULES = {"require-concurrent-index", "constraint-not-valid", "set-not-null-scan",
              "table-rewrite", "lock-timeout", "concurrently-in-transaction"}


def run_squawk(squawk, root, files):
    out = subprocess.run([squawk, "--reporter", "json", *files], cwd=root,
                         capture_output=True, text=True)
    return [f for f in json.loads(out.stdout or "[]") if f["rule_name"] in MAP]


def run_rollsafe(rollsafe, root):
    out = subprocess.run([rollsafe, "check", "--root", ".", "--format", "json",
                          "--severity", "contract=off", "--severity", "warning=off",
                          "--severity", "opaque=off"], cwd=root, capture_output=True, text=True)
    return [f for f in json.loads(out.stdout)["findings"] if f["rule"] in LOCK_RULES]


def compare(squawk, rollsafe, name, root, dump):
    files = sorted(glob.glob("**/*.sql", root_dir=root, recursive=True))
    sq = run_squawk(squawk, root, files)
    rs = run_rollsafe(rollsafe, root)
    by_file = collections.defaultdict(list)
    for f in rs:
        by_file[f["path"]].append(f)
    rows = collections.OrderedDict()
    unmatched_sq, used = [], set()
    for f in sq:
        rule, target = f["rule_name"], MAP[f["rule_name"]]
        row = rows.setdefault(rule, [0, 0, target])
        row[0] += 1
        if target is None:
            continue
        # squawk counts lines from 0, rollsafe from 1.
        lo = f["line"] + 1
        hi = max(f.get("line_end") or f["line"], f["line"]) + 1
        hit = None
        for g in by_file.get(f["file"], []):
            if g["rule"] != target:
                continue
            if target == "lock-timeout" or lo <= g["line"] <= hi:
                hit = g
                break
        if hit:
            row[1] += 1
            used.add(id(hit))
        else:
            unmatched_sq.append(f)
    only_rs = [g for g in rs if id(g) not in used]
    if dump:
        os.makedirs(dump, exist_ok=True)
        with open(os.path.join(dump, f"{name}.json"), "w") as fh:
            json.dump({"squawk_only": unmatched_sq, "rollsafe_only": only_rs}, fh, indent=1)
    return len(files), rows, collections.Counter(g["rule"] for g in only_rs)


def main():
    args = sys.argv[1:]
    dump = None
    if "--dump" in args:
        i = args.index("--dump")
        dump = args[i + 1]
        del args[i:i + 2]
    squawk, rollsafe, histories = args[0], os.path.abspath(args[1]), args[2:]
    total = collections.OrderedDict()
    total_only = collections.Counter()
    for h in histories:
        name, root = h.split("=", 1)
        n, rows, only = compare(squawk, rollsafe, name, root, dump)
        print(f"\n### {name} ({n} files)\n")
        print("| squawk rule | squawk findings | also reported by rollsafe | rollsafe rule |")
        print("|---|---:|---:|---|")
        for rule, (count, hit, target) in rows.items():
            print(f"| {rule} | {count} | {hit if target else '–'} | {target or '(none)'} |")
            t = total.setdefault(rule, [0, 0, target])
            t[0] += count
            t[1] += hit
        print(f"\nrollsafe lock findings squawk has no counterpart for: {dict(only)}")
        total_only.update(only)
    print("\n### All histories\n")
    print("| squawk rule | squawk findings | also reported by rollsafe | rollsafe rule |")
    print("|---|---:|---:|---|")
    for rule, (count, hit, target) in total.items():
        print(f"| {rule} | {count} | {hit if target else '–'} | {target or '(none)'} |")
    print(f"\nrollsafe lock findings without a squawk counterpart: {dict(total_only)}")


if __name__ == "__main__":
    main()
