/**
 * The pages' only stylesheet (CSP allows `style-src 'self'` and nothing
 * inline). Kept as a string so `tsc` ships it in dist/ with no copy step.
 * Served at /static/ma-auth.css?v=<hash>: the hash changes with the content,
 * so the response can be cached for a year.
 *
 * Colours are chosen for WCAG AA (≥ 4.5:1) in both schemes: #1a1a1a on
 * #ffffff is 17:1, #ffffff on #1d4ed8 is 6.7:1, #a40e26 on #fff1f2 is 7:1;
 * dark: #f2f2f2 on #121212 is 16:1, #111827 on #93c5fd is 9.9:1. Tap targets
 * are at least 48px (Apple asks 44, Google 48).
 */
import { createHash } from 'node:crypto';

export const STYLESHEET = `*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:#fff;color:#1a1a1a;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:1.0625rem;line-height:1.5}
main{max-width:32rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 1rem}
p,ul,ol{margin:0 0 1rem}
li{margin-bottom:.5rem}
a{color:#1d4ed8}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.95em}
.muted{color:#4a4a4a}
.error{border:2px solid #a40e26;background:#fff1f2;color:#a40e26;border-radius:.5rem;padding:.75rem 1rem;font-weight:600}
form{margin-bottom:1.5rem}
label{display:block;font-weight:600;margin-bottom:.25rem}
.hint{display:block;color:#4a4a4a;font-size:.95rem;margin-bottom:.5rem}
input[type=text]{display:block;width:100%;min-height:3rem;padding:.5rem .75rem;font-size:1.5rem;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.15em;text-transform:uppercase;color:inherit;background:transparent;border:2px solid #5a5a5a;border-radius:.5rem}
input[aria-invalid=true]{border-color:#a40e26}
.actions{display:flex;flex-direction:column;gap:.75rem;margin-top:1.5rem}
button{min-height:3rem;padding:.75rem 1rem;font:inherit;font-weight:600;border-radius:.5rem;border:2px solid #1d4ed8;cursor:pointer}
button.primary{background:#1d4ed8;color:#fff}
button.secondary{background:transparent;color:#1d4ed8}
:focus-visible{outline:3px solid #1d4ed8;outline-offset:3px}
.code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:2.5rem;font-weight:700;letter-spacing:.15em;text-align:center;padding:1rem;margin:1rem 0 1.5rem;border:2px dashed #5a5a5a;border-radius:.5rem;user-select:all;-webkit-user-select:all;overflow-wrap:anywhere}
@media (prefers-color-scheme:dark){
body{background:#121212;color:#f2f2f2}
a{color:#93c5fd}
.muted,.hint{color:#c8c8c8}
.error{background:#3b0a12;color:#ffd7dc;border-color:#ff8a9a}
input[type=text]{border-color:#a0a0a0}
input[aria-invalid=true]{border-color:#ff8a9a}
button{border-color:#93c5fd}
button.primary{background:#93c5fd;color:#111827}
button.secondary{color:#93c5fd}
:focus-visible{outline-color:#93c5fd}
.code{border-color:#a0a0a0}
}
@media (min-width:30rem){.actions{flex-direction:row}.actions button{flex:1}}
`;

/** Content hash for the cache-busting query. */
export const STYLESHEET_VERSION = createHash('sha256').update(STYLESHEET).digest('hex').slice(0, 12);
