package dev.converge.bench.fleet;

/**
 * The graph the fleet benchmark deploys: {@code resources} exec resources in chains of five, in
 * converge's YAML, the size of a small real host graph (20 resources are about 3.2 KB). Each
 * {@code version} differs in the first command, so every deploy changes the text and its hash but not
 * its size.
 */
final class GraphText {

    private GraphText() {
    }

    static String of(int resources, int version) {
        if (resources < 1) {
            throw new IllegalArgumentException("resources must be >= 1: " + resources);
        }
        StringBuilder y = new StringBuilder();
        y.append("# fleet benchmark graph, version ").append(version).append('\n');
        y.append("graph: fleet\n");
        y.append("resources:\n");
        y.append("  exec:\n");
        for (int i = 0; i < resources; i++) {
            y.append("  - name: step-").append(String.format("%03d", i)).append('\n');
            if (i == 0) {
                y.append("    cmd: /usr/bin/true version-").append(version).append('\n');
            } else {
                y.append("    cmd: /usr/bin/test -e /etc/converge/fleet/step-").append(String.format("%03d", i)).append('\n');
            }
            y.append("    shell: /bin/sh\n");
        }
        StringBuilder edges = new StringBuilder();
        for (int i = 1; i < resources; i++) {
            if (i % 5 != 0) {
                edges.append("- name: e").append(i).append('\n');
                edges.append("  from: {kind: exec, name: step-").append(String.format("%03d", i - 1)).append("}\n");
                edges.append("  to: {kind: exec, name: step-").append(String.format("%03d", i)).append("}\n");
            }
        }
        if (!edges.isEmpty()) {
            y.append("edges:\n").append(edges);
        }
        return y.toString();
    }
}
