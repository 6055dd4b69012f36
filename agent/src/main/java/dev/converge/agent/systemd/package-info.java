/**
 * The agent as a systemd service: {@link dev.converge.agent.systemd.NotifySocket} (sd_notify's
 * datagram socket) and {@link dev.converge.agent.systemd.ServiceNotifier} (readiness, status,
 * watchdog, reload and stop, from the host monitor's view of the engine).
 */
package dev.converge.agent.systemd;
