/* Ranked ballot enhancement: a "Your ranking" list you can reorder with buttons (keyboard) or
   by dragging. It only sets the same rank selects the no-JavaScript ballot uses, so the server
   sees one format either way. */
(function () {
  "use strict";
  var form = document.getElementById("ballot");
  var panel = document.getElementById("ranking-panel");
  if (!form || !panel) { return; }
  var maxRanks = parseInt(form.getAttribute("data-max-ranks"), 10);
  var cards = Array.prototype.slice.call(form.querySelectorAll(".ballot-project"));
  var live = document.createElement("p");
  live.className = "visually-hidden";
  live.setAttribute("aria-live", "polite");

  function selectOf(card) { return card.querySelector("select"); }
  function titleOf(card) { return card.querySelector("h2").textContent.trim(); }

  function ranking() {
    return cards.filter(function (c) { return selectOf(c).value; })
      .sort(function (a, b) { return selectOf(a).value - selectOf(b).value; });
  }

  function apply(order, announceCard) {
    cards.forEach(function (c) { selectOf(c).value = ""; });
    order.slice(0, maxRanks).forEach(function (c, i) { selectOf(c).value = String(i + 1); });
    render();
    if (announceCard) {
      var rank = order.indexOf(announceCard) + 1;
      live.textContent = rank > 0 ? panel.getAttribute("data-moved")
        .replace("%(project)s", titleOf(announceCard)).replace("%(rank)s", rank) : "";
    }
  }

  function button(label, project, onClick) {
    // Short visible label; the project name is read out too, so each button is unambiguous.
    var b = document.createElement("button");
    var hidden = document.createElement("span");
    b.type = "button";
    b.className = "button small secondary";
    b.textContent = label;
    hidden.className = "visually-hidden";
    hidden.textContent = ": " + project;
    b.appendChild(hidden);
    b.addEventListener("click", onClick);
    return b;
  }

  function render() {
    var order = ranking();
    panel.textContent = "";
    var h = document.createElement("h2");
    h.textContent = panel.getAttribute("data-title");
    panel.appendChild(h);
    if (!order.length) {
      var p = document.createElement("p");
      p.textContent = panel.getAttribute("data-empty");
      panel.appendChild(p);
    }
    var list = document.createElement("ol");
    list.className = "ranking-list";
    order.forEach(function (card, i) {
      var item = document.createElement("li");
      item.draggable = true;
      item.setAttribute("data-index", String(i));
      var name = document.createElement("span");
      name.className = "ranking-name";
      name.textContent = titleOf(card);
      item.appendChild(name);
      var move = function (delta) {
        return function () {
          var next = order.slice(), j = i + delta;
          if (j < 0 || j >= next.length) { return; }
          next.splice(i, 1);
          next.splice(j, 0, card);
          apply(next, card);
          var again = panel.querySelectorAll(".ranking-list li")[j];
          if (again) { again.querySelector("button").focus(); }
        };
      };
      var actions = document.createElement("span");
      actions.className = "ranking-actions";
      actions.appendChild(button(panel.getAttribute("data-up"), titleOf(card), move(-1)));
      actions.appendChild(button(panel.getAttribute("data-down"), titleOf(card), move(1)));
      item.appendChild(actions);
      actions.appendChild(button(panel.getAttribute("data-remove"), titleOf(card), function () {
        apply(order.filter(function (c) { return c !== card; }), null);
      }));
      item.addEventListener("dragstart", function (e) { e.dataTransfer.setData("text/plain", String(i)); });
      item.addEventListener("dragover", function (e) { e.preventDefault(); });
      item.addEventListener("drop", function (e) {
        e.preventDefault();
        var from = parseInt(e.dataTransfer.getData("text/plain"), 10);
        var next = order.slice(), moved = next.splice(from, 1)[0];
        next.splice(i, 0, moved);
        apply(next, moved);
      });
      list.appendChild(item);
    });
    panel.appendChild(list);
    panel.appendChild(live);
  }

  cards.forEach(function (card) {
    selectOf(card).addEventListener("change", function () {
      // Choosing a rank in a select moves the others down instead of creating a duplicate.
      var order = ranking().filter(function (c) { return c !== card; });
      var value = parseInt(selectOf(card).value, 10);
      if (value) { order.splice(Math.min(value - 1, order.length), 0, card); }
      apply(order, card);
    });
  });
  panel.hidden = false;
  render();
}());
