// `npm run lint:links` (remark-cli): every relative link and anchor in README.md and docs/ resolves,
// offline, to a file inside the repository that is not empty.
import remarkValidateLinks from "remark-validate-links";
import remarkLinksNotEmpty from "./scripts/remark-links-not-empty.mjs";

export default {
  plugins: [
    // No repository: links to github.com are left alone, and relative ones are checked on disk.
    [remarkValidateLinks, { repository: false }],
    remarkLinksNotEmpty,
  ],
};
