// qa UI behaviour, loaded once in the page's <head> (no outside requests).
// Citation links scroll only the sources panel, never the page's hidden containers;
// where the panel is not on screen (a phone), the card opens in a sheet instead, so
// the chat and its input never move. Copy writes the answer's Markdown.
(function () {
  if (window.__qaWired) return;
  window.__qaWired = true;

  function panel() { return document.getElementById("qa-sources"); }

  function openDetails(el) {
    for (let d = el.parentElement; d; d = d.parentElement) if (d.tagName === "DETAILS") d.open = true;
  }

  function flash(el) {
    document.querySelectorAll(".qa-card.qa-flash").forEach((c) => c.classList.remove("qa-flash"));
    el.classList.add("qa-flash");
  }

  function visible(el) {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.top >= 0 && r.top < window.innerHeight - 40;
  }

  function sheet() {
    let s = document.getElementById("qa-sheet");
    if (!s) {
      s = document.createElement("div");
      s.id = "qa-sheet";
      s.setAttribute("role", "dialog");
      s.setAttribute("aria-label", "source");
      s.innerHTML = '<div class="qa-sheet-bar"><span>Source</span>' +
        '<button type="button" class="qa-sheet-close" aria-label="Close">Close ✕</button></div>' +
        '<div class="qa-sheet-body"></div>';
      s.hidden = true;
      // inside Gradio's container, so the sheet gets the theme's fonts and colours
      (document.querySelector(".gradio-container") || document.body).appendChild(s);
    }
    return s;
  }

  function closeSheet() {
    const s = document.getElementById("qa-sheet");
    if (s) s.hidden = true;
  }

  function showInSheet(card) {
    const s = sheet();
    const copy = card.cloneNode(true);
    copy.removeAttribute("id");
    copy.querySelectorAll("[id]").forEach((e) => e.removeAttribute("id"));
    copy.querySelectorAll(".qa-back").forEach((e) => e.remove());
    const body = s.querySelector(".qa-sheet-body");
    body.replaceChildren(copy);
    body.scrollTop = 0;
    s.hidden = false;
  }

  function showCard(card) {
    const p = panel();
    openDetails(card);
    flash(card);
    if (p && p.contains(card)) {
      // scroll the panel alone, by hand: scrollIntoView would also scroll every ancestor
      const pr = p.getBoundingClientRect(), cr = card.getBoundingClientRect();
      p.scrollTop += cr.top - pr.top - 8;
    }
    if (!visible(card)) showInSheet(card);
    else closeSheet();
  }

  function backTo(turn) {
    closeSheet();
    const msg = document.querySelector("#qa-chat .qa-turn-" + turn);
    if (!msg) return;
    // the chat log scrolls inside its own box: bring the answer into that box only
    let box = msg.parentElement;
    while (box && box !== document.body && !(box.scrollHeight > box.clientHeight + 2 &&
           /(auto|scroll)/.test(getComputedStyle(box).overflowY))) box = box.parentElement;
    if (box && box !== document.body) {
      box.scrollTop += msg.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
    }
    if (!visible(msg)) window.scrollTo({ top: window.scrollY + msg.getBoundingClientRect().top - 80 });
  }

  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (e) {
      const area = document.createElement("textarea");
      area.value = text;
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      const ok = document.execCommand("copy");
      area.remove();
      return ok;
    }
  }

  document.addEventListener("click", (ev) => {
    const t = ev.target;
    if (!(t instanceof Element)) return;
    const cite = t.closest("a.qa-cite");
    if (cite) {
      ev.preventDefault();
      ev.stopPropagation();
      const card = document.getElementById((cite.getAttribute("href") || "").slice(1));
      if (card) showCard(card);
      return;
    }
    const back = t.closest("a.qa-back");
    if (back) {
      ev.preventDefault();
      ev.stopPropagation();
      backTo((back.getAttribute("href") || "").replace("#ans-", ""));
      return;
    }
    const copy = t.closest("button.qa-copy");
    if (copy) {
      ev.preventDefault();
      ev.stopPropagation();
      const md = copy.closest(".qa-msg")?.querySelector(".qa-md");
      if (!md) return;
      copyText(md.textContent).then((ok) => {
        copy.textContent = ok ? "Copied" : "Copy failed";
        setTimeout(() => { copy.textContent = "Copy"; }, 1500);
      });
      return;
    }
    if (t.closest(".qa-sheet-close")) { closeSheet(); return; }
    const s = document.getElementById("qa-sheet");
    if (s && !s.hidden && !s.contains(t)) closeSheet();
  }, true);

  document.addEventListener("keydown", (ev) => { if (ev.key === "Escape") closeSheet(); });
  // Enter in an empty question box sends nothing: a second Enter while an answer streams
  // would otherwise queue an empty question behind it (the Ask button still says it is empty).
  // Capture phase, so this runs before Gradio's own handler on the textarea.
  document.addEventListener("keydown", (ev) => {
    const box = ev.target;
    if (ev.key === "Enter" && !ev.shiftKey && box.matches && box.matches("#qa-question textarea") &&
        !box.value.trim()) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
    }
  }, true);

  // focus the question on wide screens only, without scrolling (a phone keeps its title in view)
  function focusQuestion(tries) {
    const box = document.querySelector("#qa-question textarea");
    if (box) {
      if (window.innerWidth >= 900) box.focus({ preventScroll: true });
      return;
    }
    if (tries > 0) setTimeout(() => focusQuestion(tries - 1), 200);
  }
  window.addEventListener("load", () => focusQuestion(50));

  // math in the sources panel and the sheet, typeset by Gradio's bundled KaTeX (served by this app)
  const math = window.__qaMath || {};
  let katex = null;
  function loadKatex() {
    if (!katex) {
      const link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = new URL(math.css, document.baseURI).href;
      document.head.appendChild(link);
      katex = import(new URL(math.js, document.baseURI).href).then((m) => m.default);
    }
    return katex;
  }
  function hasMath(el) {
    const text = el.textContent || "";
    return (text.includes("$") || text.includes("\\(")) && math.js;
  }
  let pending = false;
  function typeset() {
    pending = false;
    const roots = [document.getElementById("qa-sources"), document.getElementById("qa-paper"),
                   document.getElementById("qa-sheet")].filter((e) => e && hasMath(e));
    if (!roots.length) return;
    loadKatex().then((render) => {
      for (const root of roots) {
        try { render(root, { delimiters: math.delimiters, throwOnError: false }); } catch (e) { console.warn(e); }
      }
    }).catch((e) => console.warn("math not rendered", e));
  }
  new MutationObserver(() => {
    if (!pending) { pending = true; setTimeout(typeset, 60); }
  }).observe(document.documentElement, { childList: true, subtree: true, characterData: true });
})();
