/**
 * A buyer's first order, step by step, with commands to copy: the same text is in the README
 * (under "A buyer's first order, step by step") and on the API reference's first page (the
 * OpenAPI document's `info.description`). test/first-hour.test.ts checks that the README holds
 * it word for word and runs its shell blocks against a real `bos start`, so neither can rot.
 */
export const buyerWalkthrough = `Follow one buyer from sign-in to a paid and confirmed order, with \`curl\` against the demo
platform that \`npm start\` seeds on its first start. Run the commands in bash or zsh, in the
repository's folder, while the server runs; each step uses the variables the steps before it set.
Node.js, which \`npm start\` needs anyway, picks the fields out of the JSON answers.

**1. The shop's keys and the demo buyer.** The demo keys and passwords are made at random on each
installation and kept in \`.openbos/demo-credentials.json\` (\`npm start\` prints them too). A
storefront calls the API with its shop's publishable key (\`pk_…\`), which may be seen by anyone;
the shop's own systems use its secret key (\`sk_…\`).

\`\`\`sh
API=http://localhost:8080
field() { node -p "JSON.parse(require('fs').readFileSync(0, 'utf8')).$1"; }
demo() { field "$1" < "\${OPENBOS_DATA_DIR:-.openbos}/demo-credentials.json"; }
PK=$(demo "merchants.find((m) => m.handle === 'demo-brand').publishable_key")
SK=$(demo "merchants.find((m) => m.handle === 'demo-brand').secret_key")
EMAIL=$(demo 'consumers[0].email')
PASSWORD=$(demo 'consumers[0].password')
\`\`\`

**2. Sign in as the buyer.** The session token goes in the \`X-Consumer-Token\` header from now on.

\`\`\`sh
TOKEN=$(curl -s -X POST "$API/v1/account/sessions" -H "Authorization: Bearer $PK" \\
  -H 'Content-Type: application/json' -d "{\\"email\\": \\"$EMAIL\\", \\"password\\": \\"$PASSWORD\\"}" | field token)
\`\`\`

To buy as a guest instead, set \`TOKEN=\` (curl leaves an empty header out) and open the cart in
step 4 with \`{"currency": "CNY", "buyer_email": "you@example.com"}\`. A guest cannot confirm
receipt (step 9): their order confirms itself ten days after it ships.

**3. Find something to buy.** A publishable key sees the shop's published products.

\`\`\`sh
curl -s "$API/v1/products?q=longjing" -H "Authorization: Bearer $PK" | field 'data[0].title'
VARIANT=$(curl -s "$API/v1/products?q=longjing" -H "Authorization: Bearer $PK" | field 'data[0].variants[0].id')
\`\`\`

**4. Open a cart and put two in it.** Keep the cart's token: a guest's cart opens only with it.
Amounts are integers in the currency's minor unit: 25600 is ¥256.00.

\`\`\`sh
CART_JSON=$(curl -s -X POST "$API/v1/carts" -H "Authorization: Bearer $PK" -H "X-Consumer-Token: $TOKEN" \\
  -H 'Content-Type: application/json' -d '{"currency": "CNY"}')
CART=$(echo "$CART_JSON" | field id)
CART_TOKEN=$(echo "$CART_JSON" | field token)
curl -s -X POST "$API/v1/carts/$CART/items" -H "Authorization: Bearer $PK" -H "X-Cart-Token: $CART_TOKEN" \\
  -H "X-Consumer-Token: $TOKEN" -H 'Content-Type: application/json' \\
  -d "{\\"variant_id\\": \\"$VARIANT\\", \\"quantity\\": 2}" | field total_minor
\`\`\`

**5. Check out.** The stock is reserved and each seller in the cart gets an order, awaiting payment.
The demo brand runs a spend-¥200-get-¥30-off promotion, so the order totals 22600; the answer's
\`promotions\` names every discount applied and every promotion that did not apply, with the reason.

\`\`\`sh
CHECKOUT_JSON=$(curl -s -X POST "$API/v1/carts/$CART/checkout" -H "Authorization: Bearer $PK" \\
  -H "X-Cart-Token: $CART_TOKEN" -H "X-Consumer-Token: $TOKEN" -H 'Content-Type: application/json' -d '{}')
CHECKOUT=$(echo "$CHECKOUT_JSON" | field checkout_id)
ORDER=$(echo "$CHECKOUT_JSON" | field 'orders[0].id')
echo "$CHECKOUT_JSON" | field 'orders[0].total_minor'
echo "$CHECKOUT_JSON" | field 'orders[0].status'
\`\`\`

**6. Pay with the test card 4242 4242 4242 4242.** The built-in test provider (on unless
\`NODE_ENV=production\`) takes fake cards and moves no real money; 4000 0000 0000 0002 is declined.
The platform holds the money in escrow until the buyer has the goods.

\`\`\`sh
curl -s -X POST "$API/v1/checkouts/$CHECKOUT/payments" -H "Authorization: Bearer $PK" \\
  -H 'Content-Type: application/json' -d '{"payment_method": "4242424242424242"}' | field 'payments[0].status'
\`\`\`

**7. Watch the order become paid.** The payment answers \`processing\`; the provider confirms it by
webhook a moment later. The shop sees the order in the console under Orders, or here:

\`\`\`sh
for i in 1 2 3 4 5 6 7 8 9 10; do
  STATUS=$(curl -s "$API/v1/orders/$ORDER" -H "Authorization: Bearer $SK" | field status)
  echo "$STATUS"; [ "$STATUS" = paid ] && break; sleep 1
done
\`\`\`

**8. The shop ships it** (in the console: the order's Ship button).

\`\`\`sh
curl -s -X POST "$API/v1/orders/$ORDER/ship" -H "Authorization: Bearer $SK" \\
  -H 'Content-Type: application/json' -d '{"tracking_number": "SF1234567890"}' | field status
\`\`\`

**9. The buyer confirms receipt.** The order completes and its escrow is released to the seller.

\`\`\`sh
curl -s -X POST "$API/v1/account/orders/$ORDER/confirm-receipt" -H "Authorization: Bearer $PK" \\
  -H "X-Consumer-Token: $TOKEN" | field status
\`\`\`

**10. The seller is paid.** The payment reads \`released\` a moment later; the daily payout run
(or \`npx bos payouts run\` now, with the server's settings) pays the shop what its released
orders earned, less the platform's commission.

\`\`\`sh
for i in 1 2 3 4 5 6 7 8 9 10; do
  PAYMENT=$(curl -s "$API/v1/payments?order_id=$ORDER" -H "Authorization: Bearer $SK" | field 'data[0].status')
  echo "$PAYMENT"; [ "$PAYMENT" = released ] && break; sleep 1
done
npx bos payouts run
\`\`\`

Every other call is in the API reference at \`/docs\`; the OpenAPI document is at \`/openapi.json\`.
`;
