/**
 * A remark plugin for `npm run lint:links`: a relative link to an empty file is a broken link, which
 * remark-validate-links (existence and anchors only) lets through.
 * @module
 */
import { statSync } from "node:fs";
import path from "node:path";
import { visit } from "unist-util-visit";

/** A link with a scheme (`https:`, `mailto:`) or only an anchor is not a file of this repository. */
const ELSEWHERE = /^(?:[a-z][a-z0-9+.-]*:|#|\/\/)/i;

export default function remarkLinksNotEmpty() {
  return (tree, file) => {
    if (!file.dirname) return;
    visit(tree, ["link", "definition", "image"], (node) => {
      if (!node.url || ELSEWHERE.test(node.url)) return;
      const target = path.resolve(file.cwd, file.dirname, decodeURIComponent(node.url.split(/[?#]/)[0]));
      let stat;
      try {
        stat = statSync(target);
      } catch {
        return; // missing: remark-validate-links reports it
      }
      if (stat.isFile() && stat.size === 0) {
        file.message(`Link to an empty file \`${path.relative(file.cwd, target)}\``, {
          place: node.position,
          ruleId: "not-empty",
          source: "remark-links-not-empty",
        });
      }
    });
  };
}
