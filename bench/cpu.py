"""CPU accounting for the benches, from /proc: the seconds of CPU each side spent, and how busy
the machine was, so a figure can be read apart from a noisy neighbour on a shared host."""

import os

_TICK = os.sysconf("SC_CLK_TCK")


def process_seconds(matches):
    """{label: CPU seconds} summed over the live processes whose command line contains the
    label's pattern; `matches` is {label: pattern}."""
    totals = dict.fromkeys(matches, 0.0)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue  # gone meanwhile
        for label, pattern in matches.items():
            if pattern in cmdline:
                totals[label] += (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime
                break
    return totals


def machine_ticks():
    """(busy, steal, total) ticks of all CPUs since boot."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    steal = values[7] if len(values) > 7 else 0
    total = sum(values[:8])
    return total - idle - steal, steal, total


class Meter:
    """CPU spent between start() and stop() by each process group and by the machine."""

    def __init__(self, matches):
        self.matches = matches

    def start(self):
        self.before, self.ticks = process_seconds(self.matches), machine_ticks()
        return self

    def stop(self):
        after, ticks = process_seconds(self.matches), machine_ticks()
        self.spent = {k: after[k] - self.before[k] for k in self.matches}
        busy, steal, total = (b - a for a, b in zip(self.ticks, ticks, strict=True))
        self.busy, self.steal = busy / max(total, 1), steal / max(total, 1)
        return self

    def report(self, per, unit):
        """One line: milliseconds of CPU per `unit` for each group, machine busy and steal."""
        parts = [f"{k} {1000 * v / max(per, 1):.2f} ms" for k, v in self.spent.items()]
        return (f"CPU per {unit}: " + ", ".join(parts) + f"; machine {100 * self.busy:.0f}% busy, "
                f"{100 * self.steal:.0f}% stolen by the host")  # fmt: skip
