package dev.converge.agent.report;

import dev.converge.agent.engine.EngineEvent;
import dev.converge.agent.engine.Status;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.resources.ResourceId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Collects what a run did, from the engine's events, and renders it: the one-line count of
 * results ({@link #render}) and the summary table ({@link #report}) with, per resource, its
 * result, checks, applies, apply time and time spent waiting for parents and for permits, then
 * the {@link CriticalPath}, the wall time, the sum of all apply times and the parallelism.
 *
 * <p>Every event is timed as it arrives: the engine delivers events synchronously right when
 * they happen, so the arrival time is the time of the event. {@link EngineEvent.Started} is sent
 * just before checkApply is called, and a check's call ends {@code took} (the engine's own
 * measure) after it; fed after other listeners, the summary should be the last one, so that
 * nothing runs between its {@code Started} and the call. The figures count from the <em>start
 * of the run</em>: the first {@link EngineEvent.Added} (the engine starting the graph), or the
 * first wait or check when no vertex was announced, which leaves the agent's own start-up out of
 * the waits and the wall time.
 *
 * <p>A <em>check</em> of a resource is one or more checkApply attempts: it begins with the
 * {@link EngineEvent.Started} of attempt 1 and ends with {@link EngineEvent.Finished}, a
 * permanent {@link EngineEvent.Failed}, or {@link EngineEvent.Stopped} (interrupted); retries
 * belong to the check. An <em>apply</em> is a check that changed something: it finished CHANGED
 * with apply on. A permit wait runs from the first {@link EngineEvent.Waiting} of an attempt to
 * that attempt's {@code Started}, or to {@code Stopped}.
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
     * @param permits the permits its first attempt waited for, in the order it asked, each
     *     {@code "--parallel"} or a semaphore name; empty when it took them at once
     */
    public record Span(long start, long end, Duration busy, boolean running, List<String> permits) {

        public Span {
            permits = List.copyOf(permits);
        }

        /** A check that took its permits at once. */
        public Span(long start, long end, Duration busy, boolean running) {
            this(start, end, busy, running, List.of());
        }
    }

    /**
     * What one resource did up to a snapshot. Times are since the start of the run.
     *
     * @param checks     checks begun, a running one included; retries of a check do not count
     * @param applies    checks that changed something; zero in noop mode, where nothing does
     * @param busy       time spent inside checkApply, every attempt counted, a running one up to
     *     the snapshot
     * @param added      when the resource's vertex joined the running graph (at start, or by a
     *     swap); zero when the engine did not say
     * @param ready      when it first asked for a permit or began a check after {@code added};
     *     null while it has not (pending, or skipped)
     * @param permitWait time spent waiting for {@code --parallel} and semaphores, an ongoing
     *     wait counted up to the snapshot
     * @param spans      its first check and, when it was checked again since, its latest one (a
     *     refresh, a repair, or a re-check); empty before its first check began
     */
    public record Activity(int checks, int applies, Duration busy, Duration added, Duration ready,
            Duration permitWait, List<Span> spans) {

        public Activity {
            spans = List.copyOf(spans);
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
                    .flatMap(a -> a.spans().stream())
                    .mapToLong(Span::end)
                    .max()
                    .orElse(0));
        }

        /**
         * How long {@code id} waited for its {@code parents}: from when it was added to the end of
         * the last parent check that ended before it was ready, at most until it was ready. Zero
         * for a resource without parents; null while it has not been ready. Only the spans kept
         * (first and latest check of each parent) are looked at.
         */
        public Duration parentsWait(ResourceId id, Collection<ResourceId> parents) {
            Activity a = activities.get(id);
            if (a == null || a.ready() == null) {
                return null;
            }
            long added = a.added().toNanos();
            long ready = a.ready().toNanos();
            long lastParent = added;
            for (ResourceId parent : parents) {
                Activity p = activities.get(parent);
                for (Span span : p == null ? List.<Span>of() : p.spans()) {
                    if (span.end() <= ready) {
                        lastParent = Math.max(lastParent, span.end());
                    }
                }
            }
            return Duration.ofNanos(lastParent - added);
        }

        /** Apply time of each resource that has begun a check, as {@code --graphviz} draws it. */
        public Map<ResourceId, Duration> durations() {
            var result = new LinkedHashMap<ResourceId, Duration>();
            activities.forEach((id, a) -> {
                if (a.checks() > 0) {
                    result.put(id, a.busy());
                }
            });
            return result;
        }
    }

    /** Rows of the summary table at most; a larger graph gets a line counting the rest. */
    public static final int TABLE_ROWS = 50;

    private static final List<String> HEADER = List.of(
            "resource", "result", "checks", "applies", "apply time", "parents wait", "permits wait");

    private final LongSupplier clock;
    private final long startNanos;
    /** The start of the run, relative to {@code startNanos}: the earliest Added, Waiting or Started; MAX_VALUE before. */
    private final AtomicLong origin = new AtomicLong(Long.MAX_VALUE);
    private final Map<ResourceId, Tally> tallies = new ConcurrentHashMap<>();
    private final Set<ResourceId> changed = ConcurrentHashMap.newKeySet();
    /** Per resource, the message of its last permanent failure or the reason of its last skip; see {@link #problem}. */
    private final Map<ResourceId, String> problems = new ConcurrentHashMap<>();

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
        if (event instanceof EngineEvent.Added || event instanceof EngineEvent.Waiting
                || event instanceof EngineEvent.Started) {
            origin.accumulateAndGet(now, Math::min);
        }
        switch (event) {
            case EngineEvent.Added a -> {
                problems.remove(a.id());
                tally(a.id()).added(now);
            }
            case EngineEvent.Waiting w -> tally(w.id()).waiting(now, w.permit());
            case EngineEvent.Started s -> tally(s.id()).started(now, s.attempt());
            case EngineEvent.Finished f -> {
                if (f.status() == Status.CHANGED) {
                    changed.add(f.id());
                }
                problems.remove(f.id());
                tally(f.id()).ended(f.took(), true, f.apply() && f.status() == Status.CHANGED);
            }
            case EngineEvent.Failed f -> {
                if (f.permanent()) {
                    problems.put(f.id(), f.message() == null ? "" : f.message());
                }
                tally(f.id()).ended(f.took(), f.permanent(), false);
            }
            case EngineEvent.Stopped s -> tally(s.id()).stopped(now);
            case EngineEvent.Skipped s -> problems.put(s.id(), s.reason());
            case EngineEvent.Message m -> { }
            case EngineEvent.Output o -> { }
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

    /**
     * Why {@code id} is failed or skipped: the message of its last permanent failure, or the
     * reason of its last skip (which ancestor failed), whichever came last. Empty when it has
     * finished a check or joined the graph (again, by a swap) since, or never failed nor was
     * skipped. The message is empty text when the failure carried none. Any thread.
     */
    public Optional<String> problem(ResourceId id) {
        return Optional.ofNullable(problems.get(id));
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
                .append(c.get(Status.CHANGED)).append(" changed, ");
        if (c.get(Status.WOULD_CHANGE) > 0 || c.get(Status.DEFERRED) > 0) {
            text.append(c.get(Status.WOULD_CHANGE)).append(" would change, ");
        }
        if (c.get(Status.DEFERRED) > 0) {
            text.append(c.get(Status.DEFERRED)).append(" would be checked after a parent, ");
        }
        text.append(c.get(Status.FAILED)).append(" failed, ")
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
     * resource  result   checks  applies  apply time  parents wait  permits wait
     * exec[a]   CHANGED       1        1      0.20 s        0.00 s        0.00 s
     * exec[b]   CHANGED       1        1      0.60 s        0.21 s        0.00 s
     * critical path: exec[a] 0.20 s -&gt; exec[b] 0.60 s = 0.80 s of 0.83 s wall
     * wall 0.83 s (to the end of the last check), apply time 0.80 s in all, parallelism 0.96
     * </pre>
     *
     * <p>There is a row for every resource of {@code graph} when it has at most {@link #TABLE_ROWS}:
     * first those that have begun a check, by the start of their first check (so a resource comes
     * after its parents), then the others in topological order. A larger graph gets
     * {@link #TABLE_ROWS} rows, chosen failed first, then skipped, pending, and the longest apply
     * times, in that same order, and a line counting the rest by result. The result is the status
     * in {@code statuses} (PENDING when absent); the apply time of a resource never checked and the
     * waits of one never ready are {@code -}; the parents wait is {@link Snapshot#parentsWait}.
     * Columns are aligned, text to the left and figures to the right. Parallelism is the sum of
     * apply times divided by the wall time: the mean number of checkApply calls running at once,
     * so never more than could run at once.
     */
    public static List<String> report(GraphSnapshot graph, Map<ResourceId, Status> statuses, Snapshot snapshot) {
        Map<ResourceId, Activity> activities = snapshot.activities();
        var order = new ArrayList<>(shown(graph, statuses, activities));
        // Stable sort: resources that never began a check keep their topological order at the end.
        order.sort(Comparator.comparingLong(id -> {
            Activity a = activities.get(id);
            return a == null || a.spans().isEmpty() ? Long.MAX_VALUE : a.spans().getFirst().start();
        }));
        var cells = new ArrayList<List<String>>();
        cells.add(HEADER);
        for (ResourceId id : order) {
            Activity a = activities.get(id);
            Duration parentsWait = snapshot.parentsWait(id, graph.parents(id));
            cells.add(List.of(id.toString(), statuses.getOrDefault(id, Status.PENDING).toString(),
                    a == null ? "0" : Integer.toString(a.checks()),
                    a == null ? "0" : Integer.toString(a.applies()),
                    a == null || a.checks() == 0 ? "-" : seconds(a.busy()),
                    parentsWait == null ? "-" : seconds(parentsWait),
                    parentsWait == null ? "-" : seconds(a.permitWait())));
        }
        var lines = new ArrayList<String>(align(cells));
        if (order.size() < graph.size()) {
            var shownIds = new HashSet<>(order);
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
        // Each resource's keys are computed once: a comparator that asked for them would do it
        // at every one of the sort's comparisons.
        record Ranked(ResourceId id, int attention, long busyNanos) {
        }
        var chosen = new HashSet<ResourceId>();
        all.stream().map(id -> {
            Activity a = activities.get(id);
            int attention = switch (statuses.getOrDefault(id, Status.PENDING)) {
                case FAILED -> 0;
                case SKIPPED -> 1;
                case PENDING, RUNNING -> 2;
                default -> 3;
            };
            return new Ranked(id, attention, a == null ? 0 : a.busy().toNanos());
        }).sorted(Comparator.comparingInt(Ranked::attention)
                .thenComparing(Comparator.comparingLong(Ranked::busyNanos).reversed()))
                .limit(TABLE_ROWS).forEach(r -> chosen.add(r.id()));
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
     * The running figures of one resource. Its events come from its own worker, one at a time,
     * after its {@code Added} from the thread that started or swapped the graph; the lock is for
     * snapshots taken from other threads. Times are nanoseconds since the summary was created, -1
     * for none; {@link #activity} moves them to the start of the run.
     */
    private static final class Tally {

        private int checks;
        private int applies;
        private long busyNanos;
        private long permitNanos;
        private long addedAt = -1;
        private long readyAt = -1;
        /** Start of the current permit wait, or -1; the permits asked for since the last attempt. */
        private long waitingSince = -1;
        private final Set<String> waitedFor = new LinkedHashSet<>();
        /** Start of the running attempt, or -1. */
        private long attemptStart = -1;
        /** Start of the current check, or -1 between checks; the permits its first attempt waited for. */
        private long checkStart = -1;
        private long checkBusyNanos;
        private List<String> checkPermits = List.of();
        private Span first;
        private Span latest;

        /** A new vertex for this resource: it waits for its parents from now, and is ready anew. */
        synchronized void added(long now) {
            addedAt = now;
            readyAt = -1;
        }

        synchronized void waiting(long now, String permit) {
            ready(now);
            if (waitingSince < 0) {
                waitingSince = now;
            }
            waitedFor.add(permit);
        }

        synchronized void started(long now, int attempt) {
            ready(now);
            endWait(now);
            attemptStart = now;
            if (attempt == 1 || checkStart < 0) {
                checks++;
                checkStart = now;
                checkBusyNanos = 0;
                checkPermits = List.copyOf(waitedFor);
            }
            waitedFor.clear();
        }

        /**
         * An attempt returned after {@code took} in checkApply; {@code checkOver} unless it is
         * retried, {@code applied} when it changed something. The check ends when the call did,
         * {@code took} after its {@code Started}: the end event itself arrives after the permits
         * are released and after earlier listeners, so a waiter's {@code Started} may come first.
         * An end with no attempt running (a failed watch) counts nothing.
         */
        synchronized void ended(Duration took, boolean checkOver, boolean applied) {
            if (attemptStart < 0) {
                return;
            }
            long end = attemptStart + took.toNanos();
            busyNanos += took.toNanos();
            checkBusyNanos += took.toNanos();
            attemptStart = -1;
            if (checkOver) {
                endCheck(end);
                if (applied) {
                    applies++;
                }
            }
        }

        /** The worker ended: a running attempt was interrupted now, a wait given up, a check between retries over. */
        synchronized void stopped(long now) {
            endWait(now);
            waitedFor.clear();
            if (attemptStart >= 0) {
                busyNanos += now - attemptStart;
                checkBusyNanos += now - attemptStart;
                attemptStart = -1;
            }
            if (checkStart >= 0) {
                endCheck(now);
            }
        }

        private void endWait(long now) {
            if (waitingSince >= 0) {
                permitNanos += now - waitingSince;
                waitingSince = -1;
            }
        }

        private void endCheck(long now) {
            Span span = new Span(checkStart, now, Duration.ofNanos(checkBusyNanos), false, checkPermits);
            if (first == null) {
                first = span;
            } else {
                latest = span;
            }
            checkStart = -1;
        }

        private void ready(long now) {
            if (readyAt < 0) {
                readyAt = now;
            }
        }

        /** The figures up to {@code now}, with times counted from {@code origin}, which is at most any of them. */
        synchronized Activity activity(long now, long origin) {
            long running = attemptStart < 0 ? 0 : now - attemptStart;
            var spans = new ArrayList<Span>(2);
            if (first != null) {
                spans.add(first);
            }
            if (checkStart >= 0) {
                spans.add(new Span(checkStart, now, Duration.ofNanos(checkBusyNanos + running), true, checkPermits));
            } else if (latest != null) {
                spans.add(latest);
            }
            spans.replaceAll(c -> new Span(c.start() - origin, c.end() - origin, c.busy(), c.running(), c.permits()));
            return new Activity(checks, applies, Duration.ofNanos(busyNanos + running),
                    Duration.ofNanos(addedAt < 0 ? 0 : addedAt - origin),
                    readyAt < 0 ? null : Duration.ofNanos(readyAt - origin),
                    Duration.ofNanos(permitNanos + (waitingSince < 0 ? 0 : now - waitingSince)), spans);
        }
    }
}
