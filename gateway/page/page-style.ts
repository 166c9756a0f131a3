// The consumer page's stylesheet, inlined so the page is one request. Phone first: one column,
// large type, tap targets of at least 44px. Text colours reach WCAG AA (4.5:1) on their
// backgrounds; the status is said in words as well as colour.

export const PAGE_CSS = `
:root{--ink:#1f1f1f;--muted:#4d5156;--line:#dadce0;--bg:#f6f7f9;--card:#fff;--link:#0b57d0;--star:#a15c00}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;overflow-wrap:anywhere;background:var(--bg);color:var(--ink);font:17px/1.55 system-ui,-apple-system,"PingFang SC","Hiragino Sans GB","Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei",sans-serif}
a{color:var(--link)}
a:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem}
.skip:focus{left:.5rem;z-index:1}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
header{display:flex;justify-content:space-between;align-items:center;gap:1rem;padding:.5rem 1rem;background:#fff;border-bottom:1px solid var(--line)}
.site{font-weight:600;font-size:.95rem}
.lang{display:inline-flex;align-items:center;min-height:44px;padding:0 .75rem;border:1px solid var(--line);border-radius:22px;text-decoration:none;font-size:.95rem}
main{max-width:40rem;margin:0 auto;padding:1rem}
section{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:1rem 1.1rem;margin:0 0 1rem}
h1,h2{line-height:1.3;margin:0 0 .5rem}
h1{font-size:1.45rem}
h2{font-size:1.1rem}
.hero{text-align:center;padding-top:1.25rem}
.kind{margin:0;color:var(--muted);font-size:.95rem;letter-spacing:.04em}
.stars{margin:.25rem 0;font-size:2.6rem;line-height:1;letter-spacing:.15em;color:var(--star)}
.stars .off{color:#c4c7cc}
.hero.inactive .stars{color:#80868b}
.model{margin:.25rem 0 0;font-size:1.05rem}
.maker{margin:0;color:var(--muted)}
.id{margin:.5rem 0 0;font-size:.85rem;color:var(--muted)}
.facts{margin:.4rem 0 0;font-size:.95rem}
.facts span{display:block}
.status{border-width:2px}
.status h2{display:flex;align-items:center;gap:.5rem;flex-wrap:wrap}
.badge{display:inline-block;padding:.1rem .7rem;border-radius:999px;font-size:1rem;color:#fff}
.status p{margin:.25rem 0 0}
.s-active{border-color:#137333;background:#e6f4ea}.s-active .badge{background:#137333}
.s-suspended{border-color:#b06000;background:#fef7e0}.s-suspended .badge{background:#8a4a00}
.s-revoked{border-color:#c5221f;background:#fce8e6}.s-revoked .badge{background:#b3261e}
.s-expired{border-color:#5f6368;background:#f1f3f4}.s-expired .badge{background:#5f6368}
#verify-status{margin:0;padding:.6rem .8rem;border-radius:10px;background:#e8f0fe;color:#0b3d91}
#verify-status[data-state=ok]{background:#e6f4ea;color:#0d5223}
#verify-status[data-state=failed]{background:#b3261e;color:#fff;font-weight:600}
#verify-status[data-state=awaiting],#verify-status[data-state=incomplete]{background:#fef7e0;color:#5c3c00;font-weight:600}
.check:empty{display:none}
.status .check{margin-top:.5rem;font-weight:600}
body[data-verified=failed] .status{border-color:#5f6368;background:#f1f3f4}
body[data-verified=failed] .status .badge{background:#5f6368;text-decoration:line-through}
.req{margin:.5rem 0 0;padding:0;list-style:none}
.req li{position:relative;padding:.2rem 0 .2rem 1.7rem}
.req li::before{content:"✓";position:absolute;left:.2rem;color:#137333;font-weight:700}
dl{margin:0}
dl>div{padding:.55rem 0;border-top:1px solid var(--line)}
dl>div:first-child{border-top:0;padding-top:0}
dt{font-size:.85rem;color:var(--muted)}
dd{margin:0}
.sub{display:block;font-size:.85rem;color:var(--muted)}
.warn{color:#a50e0e;font-weight:600}
code{font:.85rem/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
.timeline{list-style:none;margin:.5rem 0 0;padding:0 0 0 1.1rem;border-left:3px solid var(--line)}
.timeline li{position:relative;padding:0 0 1rem .6rem}
.timeline li:last-child{padding-bottom:0}
.timeline li::before{content:"";position:absolute;left:-1.62rem;top:.45rem;width:.8rem;height:.8rem;border-radius:50%;background:#fff;border:3px solid #5f6368}
.timeline .e-issued::before,.timeline .e-upgraded::before,.timeline .e-renewed::before,.timeline .e-reinstated::before{border-color:#137333}
.timeline .e-suspended::before,.timeline .e-downgraded::before{border-color:#b06000}
.timeline .e-revoked::before{border-color:#c5221f;background:#c5221f}
.timeline time{display:block;font-size:.85rem;color:var(--muted)}
.timeline p{margin:.15rem 0 0}
.note{font-size:.85rem;color:var(--muted)}
.home{display:inline-flex;align-items:center;min-height:44px}
.lookup{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.75rem 0 0}
.lookup label{flex-basis:100%;font-size:.95rem;color:var(--muted)}
.lookup input[name=id]{flex:1 1 10rem;min-height:44px;padding:0 .75rem;font:inherit;border:1px solid #80868b;border-radius:10px}
.lookup button{min-height:44px;padding:0 1.2rem;font:inherit;color:#fff;background:var(--link);border:0;border-radius:10px}
footer{max-width:40rem;margin:0 auto;padding:0 1rem 2rem;font-size:.85rem;color:var(--muted)}
@media (min-width:40rem){main{padding:1.5rem 1rem}}
`
  .replace(/\n/g, "")
  .trim();
