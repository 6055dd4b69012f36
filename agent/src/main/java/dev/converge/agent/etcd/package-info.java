/**
 * Graphs and host status in etcd: {@link dev.converge.agent.etcd.EtcdStore} over jetcd.
 *
 * <p>Key layout under a prefix ({@code /converge} by default):
 * <ul>
 *   <li>{@code <prefix>/graph/<hostname>}: that host's graph YAML;</li>
 *   <li>{@code <prefix>/graph/_all}: the graph of every host without a key of its own;</li>
 *   <li>{@code <prefix>/status/<hostname>}: the agent's {@link dev.converge.agent.etcd.HostStatus}
 *       as JSON, attached to a lease the agent keeps alive.</li>
 * </ul>
 * The layout and its security are described in {@code docs/etcd.md}.
 */
package dev.converge.agent.etcd;
