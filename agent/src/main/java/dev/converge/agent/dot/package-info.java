/**
 * Drawings of resource graphs: DOT text of the plan and of a run's outcome, and rendering it to
 * SVG, PNG or PDF with Graphviz's {@code dot} command.
 */
package dev.converge.agent.dot;
