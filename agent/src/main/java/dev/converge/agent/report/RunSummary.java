package dev.converge.agent.report;

import dev.converge.agent.engine.EngineEvent;
import dev.converge.agent.engine.Status;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.resources.ResourceId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Collects what a run did, from the engine's events, and renders it: the one-line count of
 * results ({@link #render}) and the summary table ({@link #report}) with, per resource, its
 * result, applies, apply time and time spent waiting for parents and for permits, then the
 * {@link CriticalPath}, the wall time, the sum of all apply times and the parallelism.
 *
 * <p>Every event is timed as it arrives: the engine delivers events synchronously on the
 * resource's worker thread right when they happen, so the arrival time is the time of the event.
 * The figures count from the <em>start of the run</em>: the first moment a resource was ready to
 * run (asked for a permit or began its check), which leaves the agent's own start-up out of the
 * waits and the wall time.
 *
 * <p>A <em>check</em> of a resource is one or more checkApply attempts: it begins with the
 * {@link EngineEvent.Started} of attempt 1 and ends with {@link EngineEvent.Finished} or a
 * permanent {@link EngineEvent.Failed}; retries belong to the check. A permit wait runs from the
 * first {@link EngineEvent.Waiting} of an attempt to that attempt's {@code Started}.
 *
 * <p>Thread-safe; fed as a listener. {@link #snapshot()} may be taken at any time, from any
 * thread, while the run goes on.
 */
public final class RunSummary implements Consumer<EngineEvent> {

    /**
     * One check of a resource, in nanoseconds since the start of the run.
     *
     * <p>Invariants: {@code 0 <= start <= end}; {@code busy} (the time spent in checkApply, which
     * leaves out retry delays and permit waits between attempts) is at most {@code end - start}.
     *
     * @param running the check had not ended when the snapshot was taken; {@code end} is then the
     *     snapshot's time
     */
    public record Span(long start, long end, Duration busy, boolean running) {}

    /**
     * What one resource did up to a snapshot.
     *
     * @param applies    checkApply calls started, every attempt counted; in noop mode, checks
     * @param busy       time spent in those calls, a running one counted up to the snapshot
     * @param parentWait from the start of the run until the resource was first ready to run (all
     *     its parents done); null while it has never been (pending, or skipped)
     * @param permitWait time spent waiting for {@code --parallel} and named semaphores, an ongoing
     *     wait counted up to the snapshot
     * @param checks     its first check and, when it was checked again since, its latest one (a
     *     refresh, a repair, or a re-check); empty before its first check began
     */
    public record Activity(int applies, Duration busy, Duration parentWait, Duration permitWait, List<Span> checks) {

        public Activity {
            checks = List.copyOf(checks);
        }
    }

    /**
     * Everything recorded up to one moment.
     *
     * @param elapsed    time from the start of the run to the snapshot; zero before it started
     * @param activities per resource that had any event; resources with none are absent
     */
    public record Snapshot(Duration elapsed, Map<ResourceId, Activity> activities) {

        public Snapshot {
            activities = Map.copyOf(activities);
        }

        /** The sum of all apply times. */
        public Duration busy() {
            return activities.values().stream().map(Activity::busy).reduce(Duration.ZERO, Duration::plus);
        }

        /**
         * Wall time of the work: from the start of the run to the end of the last check (the
         * snapshot's time while one runs); zero before any check. Unlike {@link #elapsed()} it
         * leaves out idle time after convergence, such as {@code --converged-timeout}.
         */
        public Duration wall() {
            return Duration.ofNanos(activities.values().stream()
                    .flatMap(a -> a.checks().stream())
                    .mapToLong(Span::end)
                    .max()
                    .orElse(0));
        }

        /** Apply time of each resource that has started a check, as {@code --graphviz} draws it. */
        public Map<ResourceId, Duration> durations() {
            var result = new LinkedHashMap<ResourceId, Duration>();
            activities.forEach((id, a) -> {
                if (a.applies() > 0) {
                    result.put(id, a.busy());
                }
            });
            return result;
        }
    }

    /** Rows of the summary table at most; a larger graph gets a line counting the rest. */
    public static final int TABLE_ROWS = 50;

    private static final List<String> HEADER =
            List.of("resource", "result", "applies", "apply time", "parents wait", "permits wait");

    private final LongSupplier clock;
    private final long startNanos;
    /** The start of the run, relative to {@code startNanos}: the earliest Waiting or Started; MAX_VALUE before. */
    private final AtomicLong origin = new AtomicLong(Long.MAX_VALUE);
    private final Map<ResourceId, Tally> tallies = new ConcurrentHashMap<>();
    private final Set<ResourceId> changed = ConcurrentHashMap.newKeySet();

    /** A summary whose run starts now. */
    public RunSummary() {
        this(System::nanoTime);
    }

    /** A summary timed by {@code nanoClock} (a {@link System#nanoTime()} stand-in), whose run starts now. */
    RunSummary(LongSupplier nanoClock) {
        this.clock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
    }

    @Override
    public void accept(EngineEvent event) {
        long now = clock.getAsLong() - startNanos;
        if (event instanceof EngineEvent.Waiting || event instanceof EngineEvent.Started) {
            origin.accumulateAndGet(now, Math::min);
        }
        switch (event) {
            case EngineEvent.Waiting w -> tally(w.id()).waiting(now);
            case EngineEvent.Started s -> tally(s.id()).started(now, s.attempt());
            case EngineEvent.Finished f -> {
                if (f.status() == Status.CHANGED) {
                    changed.add(f.id());
                }
                ended(f.id(), now, f.took(), true);
            }
            case EngineEvent.Failed f -> ended(f.id(), now, f.took(), f.permanent());
            case EngineEvent.Skipped s -> { }
            case EngineEvent.Added a -> { }
            case EngineEvent.Stopped s -> { }
            case EngineEvent.Message m -> { }
            case EngineEvent.Output o -> { }
        }
    }

    private void ended(ResourceId id, long now, Duration took, boolean checkOver) {
        long began = tally(id).ended(now, took, checkOver);
        if (began >= 0) {
            origin.accumulateAndGet(began, Math::min);
        }
    }

    private Tally tally(ResourceId id) {
        return tallies.computeIfAbsent(id, k -> new Tally());
    }

    /** What has been recorded so far; running checks and ongoing waits are counted up to now. */
    public Snapshot snapshot() {
        long now = clock.getAsLong() - startNanos;
        long from = Math.min(origin.get(), now);
        var activities = new LinkedHashMap<ResourceId, Activity>();
        tallies.forEach((id, t) -> activities.put(id, t.activity(now, from)));
        return new Snapshot(Duration.ofNanos(now - from), activities);
    }

    /** Time since this summary was created. */
    public Duration wall() {
        return Duration.ofNanos(clock.getAsLong() - startNanos);
    }

    /**
     * What the run did to each resource: its current status, except that a resource found right
     * now but changed earlier in the run (say, before the echo of its own write was checked)
     * counts as CHANGED.
     */
    public Map<ResourceId, Status> outcome(Map<ResourceId, Status> statuses) {
        var result = new LinkedHashMap<ResourceId, Status>();
        statuses.forEach((id, s) -> result.put(id, s == Status.OK && changed.contains(id) ? Status.CHANGED : s));
        return result;
    }

    /** Counts by status, every status present (zero where none). */
    public static Map<Status, Integer> counts(Map<ResourceId, Status> statuses) {
        var counts = new EnumMap<Status, Integer>(Status.class);
        for (Status s : Status.values()) {
            counts.put(s, 0);
        }
        statuses.values().forEach(s -> counts.merge(s, 1, Integer::sum));
        return counts;
    }

    /**
     * One line such as {@code 4 resources: 0 ok, 4 changed, 0 failed, 0 skipped in 30.04 s}; unfinished
     * (pending, running) resources are counted only when there are some.
     */
    public String render(Map<ResourceId, Status> statuses) {
        Map<Status, Integer> c = counts(statuses);
        var text = new StringBuilder()
                .append(statuses.size()).append(statuses.size() == 1 ? " resource: " : " resources: ")
                .append(c.get(Status.OK)).append(" ok, ")
                .append(c.get(Status.CHANGED)).append(" changed, ")
                .append(c.get(Status.FAILED)).append(" failed, ")
                .append(c.get(Status.SKIPPED)).append(" skipped");
        int unfinished = c.get(Status.PENDING) + c.get(Status.RUNNING);
        if (unfinished > 0) {
            text.append(", ").append(unfinished).append(" unfinished");
        }
        return text.append(" in ").append(seconds(wall())).toString();
    }

    /**
     * The summary table, then the critical path, then the totals; one string per line, a pure
     * function of its arguments. Example:
     *
     * <pre>
     * resource  result   applies  apply time  parents wait  permits wait
     * exec[a]   CHANGED        1      0.20 s        0.00 s        0.00 s
     * exec[b]   CHANGED        1      0.60 s        0.21 s        0.00 s
     * critical path: exec[a] 0.20 s -&gt; exec[b] 0.60 s = 0.80 s of 0.83 s wall
     * wall 0.83 s (to the end of the last check), apply time 0.80 s in all, parallelism 0.96
     * </pre>
     *
     * <p>There is a row for every resource of {@code graph} when it has at most {@link #TABLE_ROWS}:
     * first those that have begun a check, by the start of their first check (so a resource comes
     * after its parents), then the others in topological order. A larger graph gets
     * {@link #TABLE_ROWS} rows, chosen failed first, then skipped, pending, and the longest apply
     * times, in that same order, and a line counting the rest by result. The result is the status
     * in {@code statuses} (PENDING when absent); a wait that never began is {@code -}. Columns are
     * aligned, text to the left and figures to the right. Parallelism is the sum of apply times
     * divided by the wall time.
     */
    public static List<String> report(GraphSnapshot graph, Map<ResourceId, Status> statuses, Snapshot snapshot) {
        Map<ResourceId, Activity> activities = snapshot.activities();
        var order = new ArrayList<>(shown(graph, statuses, activities));
        // Stable sort: resources that never began a check keep their topological order at the end.
        order.sort(Comparator.comparingLong(id -> {
            Activity a = activities.get(id);
            return a == null || a.checks().isEmpty() ? Long.MAX_VALUE : a.checks().getFirst().start();
        }));
        var cells = new ArrayList<List<String>>();
        cells.add(HEADER);
        for (ResourceId id : order) {
            Activity a = activities.get(id);
            cells.add(List.of(id.toString(), statuses.getOrDefault(id, Status.PENDING).toString(),
                    a == null ? "0" : Integer.toString(a.applies()),
                    a == null || a.applies() == 0 ? "-" : seconds(a.busy()),
                    a == null || a.parentWait() == null ? "-" : seconds(a.parentWait()),
                    a == null || a.parentWait() == null ? "-" : seconds(a.permitWait())));
        }
        var lines = new ArrayList<String>(align(cells));
        if (order.size() < graph.size()) {
            var shownIds = new java.util.HashSet<>(order);
            var rest = new EnumMap<Status, Integer>(Status.class);
            Duration longest = Duration.ZERO;
            for (ResourceId id : graph.resources().keySet()) {
                if (!shownIds.contains(id)) {
                    rest.merge(statuses.getOrDefault(id, Status.PENDING), 1, Integer::sum);
                    Activity a = activities.get(id);
                    longest = a == null || a.busy().compareTo(longest) < 0 ? longest : a.busy();
                }
            }
            lines.add(String.format(Locale.ROOT, "... %,d more not shown: ", graph.size() - order.size())
                    + String.join(", ", rest.entrySet().stream()
                            .map(e -> String.format(Locale.ROOT, "%,d %s", e.getValue(),
                                    e.getKey().toString().toLowerCase(Locale.ROOT))).toList())
                    + "; none took longer than " + seconds(longest));
        }
        lines.add(CriticalPath.of(graph, snapshot).render());
        Duration wall = snapshot.wall();
        Duration busy = snapshot.busy();
        lines.add("wall " + seconds(wall) + " (to the end of the last check), apply time " + seconds(busy)
                + " in all, parallelism " + (wall.isZero() ? "-"
                        : String.format(Locale.ROOT, "%.2f", (double) busy.toNanos() / wall.toNanos())));
        return lines;
    }

    /** The resources that get a row of their own, in topological order. */
    private static List<ResourceId> shown(GraphSnapshot graph, Map<ResourceId, Status> statuses,
            Map<ResourceId, Activity> activities) {
        List<ResourceId> all = graph.topologicalOrder();
        if (all.size() <= TABLE_ROWS) {
            return all;
        }
        Comparator<ResourceId> attention = Comparator.comparingInt(id -> switch (statuses.getOrDefault(id,
                Status.PENDING)) {
            case FAILED -> 0;
            case SKIPPED -> 1;
            case PENDING, RUNNING -> 2;
            default -> 3;
        });
        Comparator<ResourceId> longest = Comparator.comparing(id -> {
            Activity a = activities.get(id);
            return a == null ? Duration.ZERO : a.busy();
        });
        var chosen = new java.util.HashSet<>(all.stream().sorted(attention.thenComparing(longest.reversed()))
                .limit(TABLE_ROWS).toList());
        return all.stream().filter(chosen::contains).toList();
    }

    /** Pads the cells into columns two spaces apart: the first two left-aligned, the others right-aligned. */
    private static List<String> align(List<List<String>> rows) {
        int columns = rows.getFirst().size();
        int[] widths = new int[columns];
        for (List<String> row : rows) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        var lines = new ArrayList<String>(rows.size());
        for (List<String> row : rows) {
            var line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                String cell = row.get(i);
                String pad = " ".repeat(widths[i] - cell.length());
                line.append(i == 0 ? "" : "  ").append(i < 2 ? cell + pad : pad + cell);
            }
            lines.add(line.toString().stripTrailing());
        }
        return lines;
    }

    /** A duration as seconds with two decimals, e.g. {@code 0.20 s}. */
    public static String seconds(Duration d) {
        // Integer arithmetic, rounding half up like %.2f: String.format would leave per-thread
        // buffers on every virtual thread that formats a line.
        long nanos = d.toNanos();
        long hundredths = (Math.abs(nanos) + 5_000_000L) / 10_000_000L;
        long fraction = hundredths % 100;
        return (nanos < 0 && hundredths > 0 ? "-" : "") + hundredths / 100 + (fraction < 10 ? ".0" : ".") + fraction
                + " s";
    }

    /**
     * The running figures of one resource. Its events come from its own worker, one at a time;
     * the lock is for snapshots taken from other threads. Times are nanoseconds since the summary
     * was created, -1 for none; {@link #activity} moves them to the start of the run.
     */
    private static final class Tally {

        private int applies;
        private long busyNanos;
        private long permitNanos;
        private long readyAt = -1;
        /** Start of the current permit wait, or -1. */
        private long waitingSince = -1;
        /** Start of the running attempt as its Started arrived, or -1. */
        private long attemptStart = -1;
        /** Whether the running attempt waited for a permit, and whether it began a check. */
        private boolean attemptWaited;
        private boolean attemptOpenedCheck;
        /** Start of the current check, or -1 between checks. */
        private long checkStart = -1;
        private long checkBusyNanos;
        private Span first;
        private Span latest;

        synchronized void waiting(long now) {
            ready(now);
            if (waitingSince < 0) {
                waitingSince = now;
            }
        }

        synchronized void started(long now, int attempt) {
            ready(now);
            attemptWaited = waitingSince >= 0;
            if (attemptWaited) {
                permitNanos += now - waitingSince;
                waitingSince = -1;
            }
            applies++;
            attemptStart = now;
            attemptOpenedCheck = attempt == 1 || checkStart < 0;
            if (attemptOpenedCheck) {
                checkStart = now;
                checkBusyNanos = 0;
            }
        }

        /**
         * An attempt returned; {@code checkOver} unless it is retried. Returns when the attempt
         * began, or -1 when none ran.
         */
        synchronized long ended(long now, Duration took, boolean checkOver) {
            if (attemptStart < 0) {
                // A watch failure: no checkApply ran.
                return -1;
            }
            // Listeners before this one delay the arrival of Started; the engine's own measure
            // of the call tells when it really began.
            long began = Math.min(attemptStart, now - took.toNanos());
            readyAt = Math.min(readyAt, began);
            if (attemptWaited) {
                permitNanos -= Math.min(attemptStart - began, permitNanos);
            }
            if (attemptOpenedCheck) {
                checkStart = began;
            }
            busyNanos += took.toNanos();
            checkBusyNanos += took.toNanos();
            attemptStart = -1;
            if (checkOver) {
                Span span = new Span(checkStart, now, Duration.ofNanos(checkBusyNanos), false);
                if (first == null) {
                    first = span;
                } else {
                    latest = span;
                }
                checkStart = -1;
            }
            return began;
        }

        private void ready(long now) {
            if (readyAt < 0) {
                readyAt = now;
            }
        }

        /** The figures up to {@code now}, with times counted from {@code origin}, which is at most any of them. */
        synchronized Activity activity(long now, long origin) {
            long running = attemptStart < 0 ? 0 : now - attemptStart;
            var checks = new ArrayList<Span>(2);
            if (first != null) {
                checks.add(first);
            }
            if (checkStart >= 0) {
                checks.add(new Span(checkStart, now, Duration.ofNanos(checkBusyNanos + running), true));
            } else if (latest != null) {
                checks.add(latest);
            }
            checks.replaceAll(c -> new Span(c.start() - origin, c.end() - origin, c.busy(), c.running()));
            return new Activity(applies, Duration.ofNanos(busyNanos + running),
                    readyAt < 0 ? null : Duration.ofNanos(readyAt - origin),
                    Duration.ofNanos(permitNanos + (waitingSince < 0 ? 0 : now - waitingSince)), checks);
        }
    }
}
