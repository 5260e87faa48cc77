/*
 * Full-width views over the map (the dossier queue, the one-stop dashboard): each has a button in
 * the top bar and an address of its own (#dossiers, #dossiers/{id}, #dashboard), so a view can be
 * bookmarked, sent and left with the browser's Back button. One view is open at a time; closing it
 * shows the map again as it was.
 */
import { onLanguageChange, t } from '../i18n.js';
import { el } from '../util.js';

const views = new Map(); // hash name -> view

function parseHash() {
  const m = /^#([a-z-]+)(?:\/(.*))?$/.exec(location.hash);
  return m ? { name: m[1], rest: m[2] ?? null } : null;
}

function route() {
  const h = parseHash();
  const target = h && views.get(h.name);
  for (const v of views.values()) if (v !== target && v.isOpen) v.hide();
  if (target) target.show(h.rest);
}

window.addEventListener('hashchange', route);

/**
 * Create a view named `name` (its address #name), with a top-bar button labelled t(labelKey) and
 * a heading t(titleKey). onShow(rest) runs each time the address names the view (rest: what
 * follows "#name/", or null); onHide() when it closes. Answers {body, head, show, go, close, isOpen}.
 */
export function createView({ name, labelKey, titleKey, onShow, onHide }) {
  const title = el('h2', { class: 'view-title', id: `view-${name}-title` });
  const actions = el('div', { class: 'view-actions' });
  const closeBtn = el('button', { type: 'button', class: 'icon-button view-close', onclick: () => view.close() }, '×');
  const head = el('header', { class: 'view-head' }, title, actions, closeBtn);
  const body = el('div', { class: 'view-body' });
  const root = el('section', { class: 'view', id: `view-${name}`, hidden: true, 'aria-labelledby': `view-${name}-title` }, head, body);
  document.querySelector('.layout').append(root);

  const button = el('button', {
    type: 'button', class: 'tool view-toggle', id: `view-${name}-toggle`, 'aria-pressed': 'false',
    onclick: () => (view.isOpen ? view.close() : view.go()),
  });
  const tools = document.querySelector('.tools');
  tools.insertBefore(button, document.getElementById('lang-switch'));

  const labels = () => {
    title.textContent = t(titleKey);
    button.textContent = t(labelKey);
    closeBtn.title = t('panel.close');
    closeBtn.setAttribute('aria-label', t('panel.close'));
  };
  labels();
  onLanguageChange(labels);

  const view = {
    name, root, head, actions, body, isOpen: false,
    /** Open the view at #name or #name/rest (a new history entry). */
    go(rest) {
      const h = `#${name}${rest !== undefined && rest !== null ? `/${rest}` : ''}`;
      if (location.hash === h) route();
      else location.hash = h; // -> hashchange -> route()
    },
    /** Put #name/rest in the address without a new history entry (a dossier opened in the list). */
    replace(rest) {
      history.replaceState(null, '', `${location.pathname}${location.search}#${name}${rest !== undefined && rest !== null ? `/${rest}` : ''}`);
    },
    close() {
      if (!view.isOpen) return;
      history.pushState(null, '', location.pathname + location.search);
      view.hide();
    },
    show(rest) {
      const first = !view.isOpen;
      view.isOpen = true;
      root.hidden = false;
      document.body.classList.add('view-open');
      button.setAttribute('aria-pressed', 'true');
      onShow?.(rest, first);
    },
    hide() {
      view.isOpen = false;
      root.hidden = true;
      button.setAttribute('aria-pressed', 'false');
      if (![...views.values()].some((v) => v.isOpen)) document.body.classList.remove('view-open');
      onHide?.();
    },
  };
  views.set(name, view);
  if (parseHash()?.name === name) queueMicrotask(route);
  return view;
}
