from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from operators.roles import user_role


@login_required
def desk_index(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/index.html", {"role": user_role(request.user)})
