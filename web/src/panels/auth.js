/*
 * Signing in and out. The server keeps the sign-in in an HttpOnly cookie that POST /auth/login sets
 * (SameSite=Strict), so every later request of the page, MapLibre's tile requests included, carries
 * it without this code ever touching the token. GET /auth/me says who the caller is and what it may
 * see (visibility: public, viewer, full); the map then asks /collections what to draw, so nothing
 * the role may not see is ever requested.
 */
import { getJSON, postJSON } from '../api.js';
import { onLanguageChange, t } from '../i18n.js';
import { el } from '../util.js';

/** Who the caller is: {signed_in, name?, role?, public_access?, visibility}. */
export function whoAmI() {
  return getJSON('/auth/me');
}

/* The sign-in form as a modal over the page; resolves with /auth/me once signed in, or with null
 * when the user closes it (only offered when the server also serves anonymous visitors). */
export function signIn({ closable = false } = {}) {
  return new Promise((resolve) => {
    const name = el('input', { name: 'username', id: 'login-name', autocomplete: 'username', required: true, autocapitalize: 'off', spellcheck: 'false' });
    const password = el('input', { name: 'password', id: 'login-password', type: 'password', autocomplete: 'current-password', required: true });
    const message = el('p', { class: 'login-message', role: 'alert' });
    const submit = el('button', { type: 'submit', class: 'primary', id: 'login-submit' });
    const cancel = closable ? el('button', { type: 'button', class: 'link', onclick: () => done(null) }) : null;
    const title = el('h2', { id: 'login-title' });
    const hint = el('p', { class: 'muted small' });
    const nameLabel = el('span');
    const passwordLabel = el('span');
    const form = el('form', { class: 'login-card', 'aria-labelledby': 'login-title' },
      title, hint,
      el('label', { class: 'field' }, nameLabel, name),
      el('label', { class: 'field' }, passwordLabel, password),
      message,
      el('div', { class: 'login-actions' }, cancel, submit));
    const overlay = el('div', { class: 'login-overlay', id: 'login' }, form);

    const labels = () => {
      title.textContent = t('auth.title');
      hint.textContent = t('auth.hint');
      nameLabel.textContent = t('auth.name');
      passwordLabel.textContent = t('auth.password');
      submit.textContent = t('auth.submit');
      if (cancel) cancel.textContent = t('auth.cancel');
    };
    labels();
    onLanguageChange(labels);

    function done(me) {
      overlay.remove();
      resolve(me);
    }

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      submit.disabled = true;
      message.textContent = t('auth.signing');
      try {
        await postJSON('/auth/login', { name: name.value.trim(), password: password.value });
        password.value = '';
        done(await whoAmI());
      } catch (err) {
        message.textContent = err.status === 401 ? t('auth.wrong')
          : err.status === 429 ? t('auth.wait', { s: err.retryAfter || '…' })
            : t('app.error', { detail: err.message });
        submit.disabled = false;
        password.select();
      }
    });
    document.body.append(overlay);
    name.focus();
  });
}

/** The account chip of the top bar: who is signed in, and the way out (or in). */
export function mountAccount(container, me, { onSignIn } = {}) {
  const render = () => {
    if (me.signed_in) {
      container.replaceChildren(
        el('span', { class: 'account-name', id: 'account-name', title: `${me.name} · ${t(`role.${me.role}`)}` },
          me.name, el('span', { class: 'account-role' }, t(`role.${me.role}`))),
        el('button', {
          type: 'button', class: 'tool', id: 'logout',
          onclick: async () => {
            try { await postJSON('/auth/logout'); } catch { /* the sign-in may have expired already */ }
            location.reload();
          },
        }, t('auth.logout')));
    } else {
      container.replaceChildren(el('button', { type: 'button', class: 'tool', id: 'login-open', onclick: onSignIn }, t('auth.submit')));
    }
  };
  render();
  onLanguageChange(render);
}
