/**
 * The feed's failure as the client sees it.
 * @module
 */
import { ServiceUnavailable } from "../errors";

/** The feed could not take part in a revocation or a lookup: `503`, and the client may retry. */
export class FeedUnavailable extends ServiceUnavailable {
  override name = "FeedUnavailable";
}
