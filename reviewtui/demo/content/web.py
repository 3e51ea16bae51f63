"""The storefront: a little TypeScript for the cart page and static assets."""

from __future__ import annotations

PACKAGE_JSON = """{
  "name": "shop-storefront",
  "version": "1.4.0",
  "private": true,
  "type": "module",
  "scripts": {
    "build": "tsc -p .",
    "lint": "eslint src cart",
    "test": "vitest run"
  },
  "devDependencies": {
    "eslint": "9.9.0",
    "jsdom": "25.0.0",
    "typescript": "5.5.4",
    "vitest": "2.0.5"
  }
}
"""

TSCONFIG = """{
  "compilerOptions": {
    "target": "ES2022",
    "module": "ESNext",
    "moduleResolution": "Bundler",
    "lib": ["ES2022", "DOM"],
    "outDir": "dist",
    "noEmitOnError": true
  },
  "include": ["src", "cart"]
}
"""

INDEX_HTML = """<!doctype html>
<html lang="en-GB">
  <head>
    <meta charset="utf-8">
    <title>Shop — your basket</title>
    <link rel="stylesheet" href="/static/site.css">
  </head>
  <body>
    <header>
      <img src="/static/logo.png" alt="Shop" width="64" height="64">
      <a href="/cart">Basket (<span data-cart-count>0</span>)</a>
    </header>
    <main>
      <ul id="cart"></ul>
    </main>
    <script type="module">
      import { mountCart } from "/dist/cart/cart.js";
      mountCart(document.getElementById("cart"));
    </script>
  </body>
</html>
"""

API_TS = """// Thin wrappers over the checkout API. Every call goes through request() so failures surface the same
// way on every page.

export interface CartLine {
  sku: string;
  name: string;
  unitPrice: string; // decimal string: the API never sends money as floats
  quantity: number;
}

export interface CartView {
  lines: CartLine[];
  subtotal: string;
  shipping: string;
  total: string;
}

async function request<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`/api${path}`, {
    headers: { "Content-Type": "application/json" },
    ...init,
  });
  if (!response.ok) {
    throw new Error(`${init?.method ?? "GET"} ${path} failed with ${response.status}`);
  }
  return (await response.json()) as T;
}

export const getCart = (): Promise<CartView> => request<CartView>("/cart");

export const removeLine = (sku: string): Promise<CartView> =>
  request<CartView>(`/cart/lines/${encodeURIComponent(sku)}`, { method: "DELETE" });
"""

FORMAT_TS = """const pounds = new Intl.NumberFormat("en-GB", { style: "currency", currency: "GBP" });

/** Money arrives as decimal strings; only display code may turn them into numbers. */
export function formatPrice(amount: string): string {
  return pounds.format(Number(amount));
}
"""

CART_TS = """import { getCart, removeLine, type CartView } from "../src/api";
import { formatPrice } from "../src/format";

export function renderCart(root: HTMLElement, cart: CartView): void {
  root.innerHTML = "";
  for (const line of cart.lines) {
    const row = document.createElement("li");
    row.dataset.sku = line.sku;
    row.textContent = `${line.quantity} × ${line.name} — ${formatPrice(line.unitPrice)}`;
    const remove = document.createElement("button");
    remove.textContent = "Remove";
    remove.addEventListener("click", async () => renderCart(root, await removeLine(line.sku)));
    row.append(remove);
    root.append(row);
  }
  const total = document.createElement("p");
  total.className = "cart-total";
  total.textContent = `Total ${formatPrice(cart.total)}`;
  root.append(total);
}

export async function mountCart(root: HTMLElement): Promise<void> {
  renderCart(root, await getCart());
}
"""

CART_TEST_TS = """// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { renderCart } from "./cart";

const cart = {
  lines: [{ sku: "MUG-001", name: "Enamel mug", unitPrice: "12.50", quantity: 2 }],
  subtotal: "25.00",
  shipping: "4.95",
  total: "29.95",
};

describe("renderCart", () => {
  it("shows one row per line and the total", () => {
    const root = document.createElement("ul");
    renderCart(root, cart);
    expect(root.querySelectorAll("li")).toHaveLength(1);
    expect(root.querySelector(".cart-total")?.textContent).toBe("Total £29.95");
  });
});
"""

SITE_CSS = """:root {
  --brand: #0e7490;
  --ink: #1f2933;
}

body {
  font-family: system-ui, sans-serif;
  color: var(--ink);
  margin: 0 auto;
  max-width: 48rem;
}

header {
  display: flex;
  align-items: center;
  justify-content: space-between;
}

.cart-total {
  font-weight: 600;
  text-align: right;
}
"""

# "Show the delivery estimate on the cart page"
ESTIMATE_API_OLD = """export const getCart = (): Promise<CartView> => request<CartView>("/cart");
"""
ESTIMATE_API_NEW = """export interface DeliveryEstimate {
  carrier: string;
  arrivesOn: string; // ISO date, already in the warehouse's time zone
}

export const getCart = (): Promise<CartView> => request<CartView>("/cart");

export const getDeliveryEstimate = (region: string): Promise<DeliveryEstimate> =>
  request<DeliveryEstimate>(`/delivery/estimate?region=${encodeURIComponent(region)}`);
"""
ESTIMATE_CART_IMPORT_OLD = """import { getCart, removeLine, type CartView } from "../src/api";
"""
ESTIMATE_CART_IMPORT_NEW = """import { getCart, getDeliveryEstimate, removeLine, type CartView } from "../src/api";
"""
ESTIMATE_MOUNT_OLD = """export async function mountCart(root: HTMLElement): Promise<void> {
  renderCart(root, await getCart());
}
"""
ESTIMATE_MOUNT_NEW = """const arrivalFormat = new Intl.DateTimeFormat("en-GB", {
  weekday: "long",
  day: "numeric",
  month: "long",
});

export async function mountCart(root: HTMLElement, region = "london"): Promise<void> {
  renderCart(root, await getCart());
  try {
    const estimate = await getDeliveryEstimate(region);
    const note = document.createElement("p");
    note.className = "delivery-estimate";
    note.textContent = `Arrives ${arrivalFormat.format(new Date(estimate.arrivesOn))} with ${estimate.carrier}`;
    root.after(note);
  } catch {
    // No estimate is better than a wrong one; the basket still works without it.
  }
}
"""

# "Fix cart badge not updating after removing a line"
BADGE_OLD = """export function renderCart(root: HTMLElement, cart: CartView): void {
  root.innerHTML = "";
"""
BADGE_NEW = """function updateBadge(cart: CartView): void {
  const badge = document.querySelector<HTMLElement>("[data-cart-count]");
  if (badge) {
    badge.textContent = String(cart.lines.reduce((count, line) => count + line.quantity, 0));
  }
}

export function renderCart(root: HTMLElement, cart: CartView): void {
  updateBadge(cart);
  root.innerHTML = "";
"""

# "Bump TypeScript to 5.6 and vitest to 2.1"
TS_BUMP_OLD = """    "eslint": "9.9.0",
    "jsdom": "25.0.0",
    "typescript": "5.5.4",
    "vitest": "2.0.5"
"""
TS_BUMP_NEW = """    "eslint": "9.11.1",
    "jsdom": "25.0.1",
    "typescript": "5.6.2",
    "vitest": "2.1.1"
"""
