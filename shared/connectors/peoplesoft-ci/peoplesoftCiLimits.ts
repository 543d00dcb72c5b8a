/**
 * What PeopleSoft's component-interface services allow, and the margins ml-connector keeps.
 * PeopleSoft documents no API rate limit: throughput is bounded by the application server's
 * capacity (each CI call holds an application-server process for its whole duration), so the
 * connector keeps few calls in flight and lets the customer lower or raise that.
 * https://docs.oracle.com/cd/F28299_01/pt857pbr3/eng/pt/tibr/concept_UnderstandingCreatingComponentInterface-BasedServices-076354.html
 */
export const peoplesoftCiLimits = {
  /** CI services take one record a call; a writer batch is written as this many parallel calls at most. */
  maxBatch: 10,
  /** Calls in flight by default: a conservative share of a typical application server's processes. */
  inFlight: 4,
  /** Most calls in flight a customer may configure. */
  maxInFlight: 32,
  /** An in-flight slot outlives the request timeout by this much before it is presumed dead. */
  leaseMarginMs: 5_000,
  /** Deepest element nesting read from an answer (envelope, body, CI buffer, collections). */
  maxXmlDepth: 32,
} as const;
