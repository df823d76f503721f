package io.workerhealth.sidecar.agent;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;

/**
 * Whether the agent may renew its node's Lease: a renewal at time R tells readers that every WorkerHealth the agent
 * records for its node holds what a scrape of its pod found at most two of its intervals before R (a scrape on
 * schedule completes within interval + timeout of the previous one, and the timeout is at most the interval), and
 * that no newer state has been waiting longer than a renewal interval to be written. The operator then dates such a
 * report R − 2 × interval. When that cannot be said of some pod, the renewal is withheld, and the Lease lapses
 * rather than vouch for what may no longer hold. Pure.
 */
final class Vouching {

  private Vouching() {}

  /**
   * One pod as the check sees it.
   *
   * @param pod           {@code namespace/name}, for the reason
   * @param owed          a WorkerHealth status from before this run may exist and the pod was not scraped since (or
   *                      the agent could not look yet): it must be scraped before the agent vouches for it
   * @param vouched       false when the agent does not report it (settings it cannot use, another reporter's
   *                      WorkerHealth, no IP yet): nothing to vouch for
   * @param lastScraped   when its last scrape completed in this run, or null
   * @param interval      its scrape interval
   * @param unsentSince   since when a newer state has been waiting to be written, or null
   */
  record Pod(String pod, boolean owed, boolean vouched, Instant lastScraped, Duration interval, Instant unsentSince) {}

  /** Why the renewal must be withheld at {@code now}, or null when it may go ahead. */
  static String withheldBecause(Collection<Pod> pods, Instant now, Duration renewInterval) {
    for (Pod p : pods) {
      if (!p.vouched()) {
        continue;
      }
      if (p.lastScraped() == null) {
        if (p.owed()) {
          return "pod " + p.pod() + " has not been scraped since the agent started, and its WorkerHealth may hold "
              + "an older report";
        }
      } else if (p.lastScraped().isBefore(now.minus(p.interval().multipliedBy(2)))) {
        return "pod " + p.pod() + " was last scraped " + Duration.between(p.lastScraped(), now).toMillis()
            + " ms ago, more than twice its interval (" + p.interval().toMillis() + " ms): the agent is not keeping up";
      }
      if (p.unsentSince() != null && p.unsentSince().isBefore(now.minus(renewInterval))) {
        return "the WorkerHealth of pod " + p.pod() + " has waited " + Duration.between(p.unsentSince(), now)
            .toMillis() + " ms for a newer state to be written";
      }
    }
    return null;
  }
}
